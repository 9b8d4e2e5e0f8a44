import type { Clock } from '../../clock/clock.ts';

interface Entry<V> {
  value: Promise<V>;
  /** Infinity while the load is in flight. */
  expiresAt: number;
}

/**
 * Remembers review decisions for a while, as the API server's delegating authenticator and
 * authorizer do: a key asked again before its entry expires gets the same answer without a
 * request, and concurrent asks share one load (a scrape storm costs one review). A load that
 * fails is forgotten at once, so errors are never cached. At most `maxEntries` are kept; the
 * oldest goes first.
 */
export class DecisionCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #clock: Clock;
  readonly #maxEntries: number;

  constructor(options: { clock: Clock; maxEntries: number }) {
    this.#clock = options.clock;
    this.#maxEntries = options.maxEntries;
  }

  /** The cached answer for `key`, or `load()`'s; `ttlMs(value)` says how long that one is kept. */
  get(key: string, load: () => Promise<V>, ttlMs: (value: V) => number): Promise<V> {
    const cached = this.#entries.get(key);
    if (cached !== undefined && cached.expiresAt > this.#clock.now()) return cached.value;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    const entry: Entry<V> = { value: load(), expiresAt: Infinity };
    this.#entries.set(key, entry);
    entry.value.then(
      (value) => {
        entry.expiresAt = this.#clock.now() + ttlMs(value);
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return entry.value;
  }
}
