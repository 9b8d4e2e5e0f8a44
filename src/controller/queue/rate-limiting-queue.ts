import type { Clock } from '../../clock/clock.ts';
import { createDelayingQueue, type DelayingQueue } from './delaying-queue.ts';
import type { QueueObserver } from './queue-observer.ts';
import { ItemExponentialFailureRateLimiter, type RateLimiter } from './rate-limiters.ts';
import type { AddOptions, GetResult } from './work-queue.ts';

/** Options of {@link RateLimitingQueue.addRateLimited}. */
export interface RateLimitedAddOptions {
  /**
   * Wait at least this long, in milliseconds, even if the rate limiter says less: how a server's
   * retry-after is honoured without resetting the item's backoff.
   */
  notBeforeMs?: number;
}

/**
 * A {@link DelayingQueue} that retries failed items after a per-item backoff (client-go's
 * `RateLimitingInterface`). Retries are `addRateLimited`; planned requeues (polling) are
 * `addAfter`, which does not touch the backoff. The caller must `forget(item)` when processing
 * succeeds (and when it requeues the item as planned), or the next failure backs off from where the
 * last one stopped.
 */
export interface RateLimitingQueue<T> extends DelayingQueue<T> {
  /**
   * Adds `item` after `max(rateLimiter.when(item), notBeforeMs)`, counting a failure of it. As with
   * `addAfter`, an item already due sooner keeps its earlier time.
   */
  addRateLimited(item: T, options?: RateLimitedAddOptions): void;
  /** Resets the backoff of `item`; does not remove it from the queue. */
  forget(item: T): void;
  /** How many rate-limited adds of `item` were counted since it was last forgotten. */
  numRequeues(item: T): number;
}

/** Options of {@link createRateLimitingQueue}. */
export interface RateLimitingQueueOptions<T> {
  /** Times the delays; tests pass a FakeClock. */
  clock: Clock;
  /**
   * Decides the retry delays.
   * @default new ItemExponentialFailureRateLimiter() (1 s doubling to 5 min per item)
   */
  rateLimiter?: RateLimiter<T>;
  /** {@link WorkQueue.name}. @default 'workqueue' */
  name?: string;
  /** As `WorkQueueOptions.observer`; `addRateLimited` also reports `retried`. @default none */
  observer?: QueueObserver<T>; /** As `WorkQueueOptions.groupOf`. @default one group */
  groupOf?: (item: T) => string;
}

/** Creates an empty {@link RateLimitingQueue}; it starts nothing until an item is delayed. */
export function createRateLimitingQueue<T>(options: RateLimitingQueueOptions<T>): RateLimitingQueue<T> {
  const { rateLimiter, ...rest } = options;
  return new RateLimitedAdds<T>(
    createDelayingQueue<T>(rest),
    rateLimiter ?? new ItemExponentialFailureRateLimiter<T>(),
    options.observer ?? {},
  );
}

class RateLimitedAdds<T> implements RateLimitingQueue<T> {
  readonly #queue: DelayingQueue<T>;
  readonly #rateLimiter: RateLimiter<T>;
  readonly #observer: QueueObserver<T>;

  constructor(queue: DelayingQueue<T>, rateLimiter: RateLimiter<T>, observer: QueueObserver<T>) {
    this.#queue = queue;
    this.#rateLimiter = rateLimiter;
    this.#observer = observer;
  }

  get name(): string {
    return this.#queue.name;
  }

  addRateLimited(item: T, options: RateLimitedAddOptions = {}): void {
    if (!this.shuttingDown()) this.#observer.retried?.(item);
    this.#queue.addAfter(item, Math.max(this.#rateLimiter.when(item), options.notBeforeMs ?? 0));
  }

  forget(item: T): void {
    this.#rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.#rateLimiter.numRequeues(item);
  }

  add(item: T, options?: AddOptions): void {
    this.#queue.add(item, options);
  }

  addAfter(item: T, delayMs: number): void {
    this.#queue.addAfter(item, delayMs);
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
    this.#queue.shutDown();
  }

  shutDownWithDrain(): Promise<void> {
    return this.#queue.shutDownWithDrain();
  }

  shuttingDown(): boolean {
    return this.#queue.shuttingDown();
  }

  onIdle(): Promise<void> {
    return this.#queue.onIdle();
  }
}
