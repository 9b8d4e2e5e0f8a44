/**
 * Decides how long an item waits before it is retried (client-go's `workqueue.RateLimiter`).
 * Limiters keep per-item state until `forget`: the caller must forget an item once it succeeds, or
 * once it leaves for good (deleted object), or its next failure starts from a long delay and the
 * state is never freed.
 */
export interface RateLimiter<T> {
  /** The delay before the next retry of `item`, in milliseconds; counts a failure of `item`. */
  when(item: T): number;
  /** Resets the state of `item`: its next `when` starts over. */
  forget(item: T): void;
  /** How many failures of `item` were counted since it was last forgotten. */
  numRequeues(item: T): number;
}

/** Options of {@link ItemExponentialFailureRateLimiter}. */
export interface ItemExponentialFailureRateLimiterOptions {
  /**
   * The delay after the first failure. client-go's default is 5 ms; ours is 1 s because every retry
   * here is a call to a cloud API that throttles. @default 1000
   */
  baseDelayMs?: number;
  /**
   * The cap. client-go's default is 1000 s; ours is 5 min, so a fixed outage is noticed within
   * minutes without hammering the API meanwhile. @default 300000
   */
  maxDelayMs?: number;
}

/** `baseDelayMs * 2^failures`, capped at `maxDelayMs`, per item (client-go's limiter of that name). */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #failures = new Map<T, number>();

  constructor(options: ItemExponentialFailureRateLimiterOptions = {}) {
    const { baseDelayMs = 1000, maxDelayMs = 300_000 } = options;
    if (!(Number.isFinite(baseDelayMs) && baseDelayMs > 0)) {
      throw new RangeError(`expected baseDelayMs to be a positive number, got ${baseDelayMs}`);
    }
    if (!(Number.isFinite(maxDelayMs) && maxDelayMs >= baseDelayMs)) {
      throw new RangeError(
        `expected maxDelayMs to be a number >= baseDelayMs (${baseDelayMs}), got ${maxDelayMs}`,
      );
    }
    this.#baseDelayMs = baseDelayMs;
    this.#maxDelayMs = maxDelayMs;
  }

  when(item: T): number {
    const failures = this.#failures.get(item) ?? 0;
    this.#failures.set(item, failures + 1);
    // 2 ** failures reaches Infinity eventually; min() turns that into the cap.
    return Math.min(this.#baseDelayMs * 2 ** failures, this.#maxDelayMs);
  }

  forget(item: T): void {
    this.#failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.#failures.get(item) ?? 0;
  }
}

/**
 * The longest delay of several limiters, all of which count every failure (client-go's
 * `MaxOfRateLimiter`). `numRequeues` is the largest count among them.
 */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  readonly #limiters: readonly RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    if (limiters.length === 0) throw new RangeError('expected at least one rate limiter, got none');
    this.#limiters = limiters;
  }

  when(item: T): number {
    return Math.max(...this.#limiters.map((limiter) => limiter.when(item)));
  }

  forget(item: T): void {
    for (const limiter of this.#limiters) limiter.forget(item);
  }

  numRequeues(item: T): number {
    return Math.max(...this.#limiters.map((limiter) => limiter.numRequeues(item)));
  }
}

/**
 * Stretches each delay of `limiter` by a random part of up to `fraction` of it: `d * (1 + fraction
 * * random())`, as client-go's `wait.Jitter` does. Delays only grow, so the limiter's delay stays a
 * floor and its cap may be exceeded by up to `fraction`. It spreads the retries of many items that
 * failed together (an outage) instead of sending them back in one burst.
 *
 * @param fraction how much a delay may grow, e.g. 0.1 for up to 10 %; a finite number >= 0.
 * @param random returns a number in [0, 1); injectable for tests. @default Math.random
 */
export function withJitter<T>(
  limiter: RateLimiter<T>,
  fraction: number,
  random: () => number = Math.random,
): RateLimiter<T> {
  if (!(Number.isFinite(fraction) && fraction >= 0)) {
    throw new RangeError(`expected a jitter fraction >= 0, got ${fraction}`);
  }
  return {
    when: (item) => {
      const delay = limiter.when(item);
      return delay * (1 + fraction * random());
    },
    forget: (item) => {
      limiter.forget(item);
    },
    numRequeues: (item) => limiter.numRequeues(item),
  };
}
