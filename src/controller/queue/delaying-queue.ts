import type { Clock, Timer } from '../../clock/clock.ts';
import { MinHeap } from './min-heap.ts';
import type { QueueObserver } from './queue-observer.ts';
import { createWorkQueue, type AddOptions, type GetResult, type WorkQueue } from './work-queue.ts';

/**
 * A {@link WorkQueue} that can also add an item later (client-go's `DelayingInterface`).
 *
 * Each item has at most one pending run: queued (due now) or waiting for a time. A later request
 * for an item moves that run earlier, never later; so `add` of a waiting item queues it now and
 * drops the wait, and `addAfter` of an item already queued (or dirty) does nothing. Unlike
 * client-go, which keeps the wait and runs the item again when it expires, this never runs an
 * item twice for one request.
 *
 * Waiting items are not queued: `len`, `isPending` and `onIdle` ignore them.
 */
export interface DelayingQueue<T> extends WorkQueue<T> {
  /**
   * Adds `item` once `delayMs` has passed on the clock; `add(item)` if `delayMs <= 0`. An item
   * already waiting keeps the earlier of its two times. Ignored once shutting down. Throws on a
   * delay that is not a finite number.
   */
  addAfter(item: T, delayMs: number): void;
}

/** Options of {@link createDelayingQueue}. */
export interface DelayingQueueOptions<T> {
  /** Times the delays; tests pass a FakeClock. */
  clock: Clock;
  /** {@link WorkQueue.name}. @default 'workqueue' */
  name?: string;
  /** As `WorkQueueOptions.observer`; a delayed item counts as added when it falls due. @default none */
  observer?: QueueObserver<T>; /** As `WorkQueueOptions.groupOf`. @default one group */
  groupOf?: (item: T) => string;
}

/**
 * Creates an empty {@link DelayingQueue}. It sets one clock timer at a time, for the earliest
 * waiting item, and none while no item waits; `shutDown` and `shutDownWithDrain` cancel it and drop
 * the waiting items.
 */
export function createDelayingQueue<T>(options: DelayingQueueOptions<T>): DelayingQueue<T> {
  const { clock, ...rest } = options;
  return new DelayedAdds<T>(clock, createWorkQueue<T>(rest));
}

interface Waiting<T> {
  readonly item: T;
  readonly readyAt: number;
  /** Breaks ties between equal readyAt, first requested first. */
  readonly seq: number;
}

class DelayedAdds<T> implements DelayingQueue<T> {
  readonly #clock: Clock;
  readonly #queue: WorkQueue<T>;
  /** The one live entry per waiting item; heap entries not found here are stale and skipped. */
  readonly #waiting = new Map<T, Waiting<T>>();
  readonly #heap = new MinHeap<Waiting<T>>(
    (a, b) => a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq),
  );
  #seq = 0;
  #timer: { readonly handle: Timer; readonly at: number } | undefined;

  constructor(clock: Clock, queue: WorkQueue<T>) {
    this.#clock = clock;
    this.#queue = queue;
  }

  get name(): string {
    return this.#queue.name;
  }

  add(item: T, options?: AddOptions): void {
    if (this.#waiting.delete(item)) this.#reschedule();
    this.#queue.add(item, options);
  }

  addAfter(item: T, delayMs: number): void {
    if (!Number.isFinite(delayMs)) {
      throw new RangeError(
        `work queue ${this.name}: expected a finite delay in milliseconds, got ${delayMs}`,
      );
    }
    if (this.shuttingDown()) return;
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    if (this.#queue.isPending(item)) return;
    const readyAt = this.#clock.now() + delayMs;
    const current = this.#waiting.get(item);
    if (current !== undefined && current.readyAt <= readyAt) return;
    const entry = { item, readyAt, seq: this.#seq++ };
    this.#waiting.set(item, entry);
    this.#heap.push(entry);
    // Moved-earlier and added-now items leave stale heap entries behind; keep them bounded.
    if (this.#heap.size > 2 * this.#waiting.size + 64) this.#heap.reset(this.#waiting.values());
    this.#reschedule();
  }

  get(): Promise<GetResult<T>> {
    return this.#queue.get();
  }

  done(item: T): void {
    this.#queue.done(item);
  }

  len(): number {
    return this.#queue.len();
  }

  isPending(item: T): boolean {
    return this.#queue.isPending(item);
  }

  shutDown(): void {
    this.#dropWaiting();
    this.#queue.shutDown();
  }

  shutDownWithDrain(): Promise<void> {
    this.#dropWaiting();
    return this.#queue.shutDownWithDrain();
  }

  shuttingDown(): boolean {
    return this.#queue.shuttingDown();
  }

  onIdle(): Promise<void> {
    return this.#queue.onIdle();
  }

  /** The earliest live entry, discarding stale ones above it. */
  #earliest(): Waiting<T> | undefined {
    for (let top = this.#heap.peek(); top !== undefined; top = this.#heap.peek()) {
      if (this.#waiting.get(top.item) === top) return top;
      this.#heap.pop();
    }
    return undefined;
  }

  /** Keeps exactly one timer, due when the earliest waiting item is. */
  #reschedule(): void {
    const earliest = this.#earliest();
    if (this.#timer?.at === earliest?.readyAt) return;
    this.#timer?.handle.cancel();
    this.#timer =
      earliest === undefined
        ? undefined
        : {
            at: earliest.readyAt,
            handle: this.#clock.setTimer(() => {
              this.#fire();
            }, earliest.readyAt - this.#clock.now()),
          };
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    for (let top = this.#earliest(); top !== undefined && top.readyAt <= now; top = this.#earliest()) {
      this.#heap.pop();
      this.#waiting.delete(top.item);
      this.#queue.add(top.item);
    }
    this.#reschedule();
  }

  #dropWaiting(): void {
    this.#timer?.handle.cancel();
    this.#timer = undefined;
    this.#waiting.clear();
    this.#heap.reset([]);
  }
}
