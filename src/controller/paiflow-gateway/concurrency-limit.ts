import { abortReason, whenAborted } from './abort.ts';

export interface ConcurrencyLimitOptions {
  /** Slots: how many holders at once. An integer >= 1. */
  max: number;
}

/** Gives a slot back. Calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
}

/**
 * A counting semaphore: at most `max` holders at once, waiters served first come, first served
 * (urgent waiters before all others), a released slot handed straight to the next waiter (so
 * `tryAcquire()` cannot overtake the queue).
 *
 * Hand-written rather than p-limit or p-queue: the gateway needs `tryAcquire()` and slots held
 * across a decision (acquire, then maybe give back), and every waiter must be able to leave on abort;
 * p-limit and p-queue offer only "run this function in a slot", and async-sema cannot abort a waiter.
 */
export class ConcurrencyLimit {
  readonly #max: number;
  #active = 0;
  readonly #waiters = new Set<Waiter>();
  /** Served before #waiters: work a user is waiting for. */
  readonly #urgent = new Set<Waiter>();

  constructor(options: ConcurrencyLimitOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) {
      throw new Error(`expected max to be an integer >= 1, got ${options.max}`);
    }
    this.#max = options.max;
  }

  /** Slots held now. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get pending(): number {
    return this.#waiters.size + this.#urgent.size;
  }

  /** A slot if one is free and nobody waits; undefined otherwise. The caller must call the Release. */
  tryAcquire(): Release | undefined {
    if (this.pending > 0 || this.#active >= this.#max) return undefined;
    this.#active += 1;
    return this.#release();
  }

  /**
   * Resolves with a slot, after everyone who asked earlier (when `urgent`: after every urgent caller
   * who asked earlier, before all others); the caller must call the Release.
   * Aborting `signal` removes the caller from the queue and rejects with `signal.reason`.
   */
  acquire(signal?: AbortSignal, urgent = false): Promise<Release> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    const free = this.tryAcquire();
    if (free !== undefined) return Promise.resolve(free);
    const queue = urgent ? this.#urgent : this.#waiters;
    return new Promise<Release>((resolve, reject) => {
      const stopListening = whenAborted(signal, (reason) => {
        queue.delete(waiter);
        reject(reason);
      });
      const waiter: Waiter = {
        grant: (release) => {
          stopListening();
          resolve(release);
        },
      };
      queue.add(waiter);
    });
  }

  /** Runs `task` in a slot (see acquire) and releases it when the task settles. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal, urgent = false): Promise<T> {
    const release = await this.acquire(signal, urgent);
    try {
      return await task();
    } finally {
      release();
    }
  }

  #release(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.#urgent.size > 0 ? this.#urgent : this.#waiters;
      const [next] = queue;
      if (next === undefined) {
        this.#active -= 1;
        return;
      }
      // The slot passes on without ever being free.
      queue.delete(next);
      next.grant(this.#release());
    };
  }
}
