import { FairLanes } from './fair-lanes.ts';
import type { QueueObserver } from './queue-observer.ts';

/** What {@link WorkQueue.get} hands a worker: the next item, or word that the worker should stop. */
export type GetResult<T> = { readonly item: T; readonly shutdown: false } | { readonly shutdown: true };

/** Options of {@link WorkQueue.add}. */
export interface AddOptions {
  /**
   * Work a user is waiting for: handed out before every item added without it (as controller-runtime's
   * priority queue does with a higher priority). An item queued as routine and added again as urgent
   * moves ahead. @default false
   */
  urgent?: boolean;
}

/**
 * A work queue with client-go's `workqueue.Interface` semantics: a set of keys to process, each
 * processed by one worker at a time.
 *
 * - An item already queued is not queued twice; otherwise the order is first in, first out, urgent
 *   items before the others; with `groupOf` (a tenant), groups take turns (see FairLanes) and the
 *   order holds within each group.
 * - An item being processed is never handed to a second worker. Adding it meanwhile marks it dirty:
 *   `done` queues it again, once, however many adds came in.
 *
 * Workers loop on `get()` and must call `done(item)` exactly once for every item `get()` handed
 * them, after processing it and whether or not processing failed:
 *
 * ```ts
 * for (;;) {
 *   const next = await queue.get();
 *   if (next.shutdown) return;
 *   try { await reconcile(next.item); } finally { queue.done(next.item); }
 * }
 * ```
 *
 * Items are compared as Set and Map keys compare them (SameValueZero): use strings such as
 * `namespace/name`, never objects.
 */
export interface WorkQueue<T> {
  /** Names the queue in logs and metrics. */
  readonly name: string;
  /**
   * Queues `item`, unless it is already queued (an urgent add moves a routine one ahead); marks it
   * dirty if it is being processed. Ignored once shutting down.
   */
  add(item: T, options?: AddOptions): void;
  /**
   * Takes the oldest queued item and marks it as being processed, waiting for one if none is queued;
   * concurrent callers are served in call order. Resolves `{ shutdown: true }` once the queue shuts
   * down: at once after `shutDown()`, and once nothing is left to hand out after `shutDownWithDrain()`.
   * The caller must call `done(item)` when finished with the item.
   */
  get(): Promise<GetResult<T>>;
  /**
   * Ends the processing of `item`; queues it again if it was added meanwhile. Throws if `item` is not
   * being processed (a second `done`, or no `get`), which is always a bug in the caller.
   */
  done(item: T): void;
  /** How many items are queued (not counting those being processed). */
  len(): number;
  /** Whether `get()` will hand out `item` without another add: it is queued, or being processed and dirty. */
  isPending(item: T): boolean;
  /**
   * Stops the queue: adds are ignored, queued items are dropped, waiting and future `get()` calls
   * resolve `{ shutdown: true }`. Items being processed still need their `done`. Idempotent; ends a
   * drain in progress (its promise then resolves once the items being processed are done).
   */
  shutDown(): void;
  /**
   * Stops accepting adds but keeps handing out what is queued (including dirty items re-queued by
   * `done`); `get()` resolves `{ shutdown: true }` once nothing is left. Resolves once nothing is
   * queued or being processed, so the caller must keep its workers running until then.
   */
  shutDownWithDrain(): Promise<void>;
  /** Whether `shutDown` or `shutDownWithDrain` was called. */
  shuttingDown(): boolean;
  /**
   * Resolves once nothing is queued or being processed (at once if so already), like p-queue's
   * `onIdle`: for tests and graceful shutdown to wait on state rather than time.
   */
  onIdle(): Promise<void>;
}

/** Options of {@link createWorkQueue}. */
export interface WorkQueueOptions<T> {
  /** {@link WorkQueue.name}. @default 'workqueue' */
  name?: string;
  /** Told about adds, hand-outs, dones and the depth, for metrics. @default none */
  observer?: QueueObserver<T>;
  /**
   * The group of an item (e.g. the namespace of a `namespace/name` key): groups are served in turn,
   * so one group's many items do not hold up another's. @default one group
   */
  groupOf?: (item: T) => string;
}

/** Creates an empty {@link WorkQueue}. */
export function createWorkQueue<T>(options: WorkQueueOptions<T> = {}): WorkQueue<T> {
  return new DedupQueue<T>(
    options.name ?? 'workqueue',
    options.observer ?? {},
    new FairLanes<T>(options.groupOf ?? (() => '')),
  );
}

class DedupQueue<T> implements WorkQueue<T> {
  readonly name: string;
  readonly #observer: QueueObserver<T>;
  /** The FIFOs and the dedup index at once. */
  readonly #queued: FairLanes<T>;
  readonly #processing = new Set<T>();
  /** Items being processed that were added again (value: urgent): each is queued again on `done`. */
  readonly #dirty = new Map<T, boolean>();
  /** Callers of `get()` waiting for an item; non-empty only while #queued is empty. */
  readonly #getters: ((result: GetResult<T>) => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #state: 'running' | 'draining' | 'stopped' = 'running';

  constructor(name: string, observer: QueueObserver<T>, queued: FairLanes<T>) {
    this.name = name;
    this.#observer = observer;
    this.#queued = queued;
  }

  add(item: T, options: AddOptions = {}): void {
    if (this.#state !== 'running') return;
    const urgent = options.urgent === true;
    if (this.isPending(item)) {
      if (urgent) this.#queued.promote(item);
      if (urgent && this.#dirty.has(item)) this.#dirty.set(item, true);
      return;
    }
    this.#observer.added?.(item);
    if (this.#processing.has(item)) this.#dirty.set(item, urgent);
    else this.#enqueue(item, urgent);
  }

  get(): Promise<GetResult<T>> {
    if (this.#state !== 'stopped') {
      const next = this.#queued.shift();
      if (next !== undefined) {
        this.#observer.depth?.(this.len());
        this.#handOut(next);
        return Promise.resolve({ item: next, shutdown: false });
      }
    }
    if (this.#state !== 'running') return Promise.resolve({ shutdown: true });
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  done(item: T): void {
    if (!this.#processing.delete(item)) {
      throw new Error(
        `work queue ${this.name}: done(${String(item)}) for an item that is not being processed`,
      );
    }
    this.#observer.done?.(item);
    const urgent = this.#dirty.get(item);
    if (urgent !== undefined) {
      this.#dirty.delete(item);
      this.#enqueue(item, urgent);
    }
    this.#settle();
  }

  len(): number {
    return this.#queued.size;
  }

  isPending(item: T): boolean {
    return this.#queued.has(item) || this.#dirty.has(item);
  }

  shutDown(): void {
    this.#state = 'stopped';
    const dropped = this.len() > 0;
    this.#queued.clear();
    this.#dirty.clear();
    if (dropped) this.#observer.depth?.(0);
    this.#releaseGetters();
    this.#settle();
  }

  shutDownWithDrain(): Promise<void> {
    if (this.#state === 'running') {
      this.#state = 'draining';
      // Getters only wait while nothing is queued: there is nothing left for them.
      this.#releaseGetters();
    }
    return this.onIdle();
  }

  shuttingDown(): boolean {
    return this.#state !== 'running';
  }

  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Hands `item` straight to the longest-waiting getter, so no other add can slip in between. */
  #enqueue(item: T, urgent: boolean): void {
    const getter = this.#getters.shift();
    if (getter === undefined) {
      this.#queued.add(item, urgent);
      this.#observer.depth?.(this.len());
      return;
    }
    this.#handOut(item);
    getter({ item, shutdown: false });
  }

  #handOut(item: T): void {
    this.#processing.add(item);
    this.#observer.handedOut?.(item);
  }

  #releaseGetters(): void {
    for (const getter of this.#getters.splice(0)) getter({ shutdown: true });
  }

  #isIdle(): boolean {
    return this.len() === 0 && this.#processing.size === 0;
  }

  #settle(): void {
    if (this.#isIdle()) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
