import type { Clock, Timer } from '../../clock/clock.ts';
import { abortReason, whenAborted } from './abort.ts';

export interface TokenBucketOptions {
  clock: Clock;
  /** Tokens added per second (sustained rate). Must be > 0. */
  qps: number;
  /** Capacity, and the number of tokens a new bucket starts with. An integer >= 1. */
  burst: number;
}

/** Throws "expected ..., got ..." unless qps and burst make a bucket. */
export function checkRate(rate: { qps: number; burst: number }): void {
  if (!Number.isFinite(rate.qps) || rate.qps <= 0) {
    throw new Error(`expected qps to be a positive number, got ${rate.qps}`);
  }
  if (!Number.isInteger(rate.burst) || rate.burst < 1) {
    throw new Error(`expected burst to be an integer >= 1, got ${rate.burst}`);
  }
}

interface Waiter {
  resolve: () => void;
}

// Refill is computed in floating point; a token that is 1e-12 short is a rounding error, not a wait.
const EPSILON = 1e-9;

/**
 * A token bucket on an injected clock: `burst` tokens at most, refilled continuously at `qps` per
 * second; every taken token allows one request. Over any window of `w` seconds at most
 * `burst + qps * w` tokens are handed out.
 *
 * Waiters are served strictly first come, first served: `tryTake()` never jumps the queue. A timer
 * runs only while someone waits (one, for the head of the queue), so an idle bucket holds nothing
 * and needs no close().
 */
export class TokenBucket {
  readonly #clock: Clock;
  readonly #qps: number;
  readonly #burst: number;
  #tokens: number;
  /** The clock time `#tokens` was computed for. */
  #updatedAt: number;
  /** Set by penalize(): no token is added, and none handed out, before this clock time. */
  #pausedUntil = -Infinity;
  // A Set iterates in insertion order and deletes in O(1): a FIFO queue that aborts can leave anywhere.
  readonly #waiters = new Set<Waiter>();
  #timer: Timer | undefined;

  constructor(options: TokenBucketOptions) {
    checkRate(options);
    this.#clock = options.clock;
    this.#qps = options.qps;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#updatedAt = options.clock.now();
  }

  /**
   * Resolves once this caller has a token, after everyone who asked earlier. Aborting `signal`
   * removes the caller from the queue (it takes no token) and rejects with `signal.reason`.
   */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    if (this.tryTake()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const stopListening = whenAborted(signal, (reason) => {
        this.#waiters.delete(waiter);
        if (this.#waiters.size === 0) this.#cancelTimer();
        reject(reason);
      });
      const waiter: Waiter = {
        resolve: () => {
          stopListening();
          resolve();
        },
      };
      this.#waiters.add(waiter);
      this.#schedule();
    });
  }

  /** Takes a token if one is available now and nobody is waiting; never waits. */
  tryTake(): boolean {
    if (this.#waiters.size > 0 || !this.#available()) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * Gives back a token that was taken but not used (the request it allowed was not sent), like
   * golang.org/x/time/rate's Reservation.Cancel. Never fills the bucket beyond `burst`.
   */
  refund(): void {
    this.#refill();
    this.#tokens = Math.min(this.#burst, this.#tokens + 1);
    this.#serve();
  }

  /**
   * The server said "throttled, retry after ...": hands out no token before `untilMs` (clock time),
   * and restarts then with at most one token instead of a full burst, since the quota behind this
   * bucket is exhausted. A pause ending earlier than one in force does not shorten it.
   */
  penalize(untilMs: number): void {
    this.#refill();
    this.#tokens = Math.min(this.#tokens, 1);
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
    this.#serve();
  }

  /** Nobody waits, the bucket is full and not paused: replacing it with a new bucket would change nothing. */
  get atRest(): boolean {
    this.#refill();
    return (
      this.#waiters.size === 0 &&
      this.#tokens >= this.#burst - EPSILON &&
      this.#clock.now() >= this.#pausedUntil
    );
  }

  #refill(): void {
    const now = this.#clock.now();
    // Nothing accrues during a pause, nor after the clock jumped backwards until it is back where it was.
    const elapsedMs = now - Math.max(this.#updatedAt, this.#pausedUntil);
    if (elapsedMs > 0) this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs * this.#qps) / 1000);
    this.#updatedAt = Math.max(this.#updatedAt, now);
  }

  #available(): boolean {
    this.#refill();
    return this.#clock.now() >= this.#pausedUntil && this.#tokens >= 1 - EPSILON;
  }

  #serve(): void {
    for (const waiter of this.#waiters) {
      if (!this.#available()) break;
      this.#tokens -= 1;
      this.#waiters.delete(waiter);
      waiter.resolve();
    }
    this.#schedule();
  }

  /** (Re)arms the one timer for the moment the head of the queue can have its token. */
  #schedule(): void {
    this.#cancelTimer();
    if (this.#waiters.size === 0) return;
    const now = this.#clock.now();
    const pausedMs = Math.max(0, this.#pausedUntil - now);
    const refillMs = Math.max(0, ((1 - this.#tokens) * 1000) / this.#qps);
    this.#timer = this.#clock.setTimer(
      () => {
        this.#timer = undefined;
        this.#serve();
      },
      Math.ceil(pausedMs + refillMs),
    );
  }

  #cancelTimer(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
