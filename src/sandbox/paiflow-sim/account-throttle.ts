/** Throttling settings; every account gets its own bucket of `burst` tokens refilled at `qps`. */
export interface ThrottleOptions {
  /** Sustained requests per second per account. */
  qps: number;
  /** Bucket size. Default: max(1, ceil(qps)). */
  burst?: number;
  /** HTTP status of `Throttling.User` answers: 400 (default, as Alibaba's gateway often does) or 429. */
  status?: 400 | 429;
  /**
   * The `x-acs-retry-after` header, in milliseconds (the unit Alibaba's own SDKs read it in):
   * `auto` (default) = time until the bucket holds a token again, rounded up; a number = that fixed
   * value; `off` = no header.
   */
  retryAfter?: 'auto' | 'off' | number;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Token buckets per Alibaba Cloud account (throttling is counted per account, all its keys together).
 * Time comes from the injected wall clock, so tests refill a bucket by moving their clock.
 */
export class AccountThrottle {
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: { qps: number; burst?: number; now: () => number }) {
    if (!(options.qps > 0)) throw new RangeError(`throttle qps: expected a number > 0, got ${options.qps}`);
    const burst = options.burst ?? Math.max(1, Math.ceil(options.qps));
    if (!(burst >= 1)) throw new RangeError(`throttle burst: expected a number >= 1, got ${burst}`);
    this.#qps = options.qps;
    this.#burst = burst;
    this.#now = options.now;
  }

  /** Takes one token from the account's bucket, or says how long until one is available. */
  take(account: string): ThrottleDecision {
    const now = this.#now();
    const bucket = this.#buckets.get(account) ?? { tokens: this.#burst, at: now };
    const tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#qps);
    if (tokens >= 1) {
      this.#buckets.set(account, { tokens: tokens - 1, at: now });
      return { allowed: true };
    }
    this.#buckets.set(account, { tokens, at: now });
    return { allowed: false, retryAfterMs: Math.ceil(((1 - tokens) / this.#qps) * 1000) };
  }
}
