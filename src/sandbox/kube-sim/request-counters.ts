/**
 * Counts of served API requests by verb, group, resource and subresource, so a test can assert
 * what a client did ("no status writes happened"), not only what state it left.
 */

export interface RequestKey {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
}

export interface RequestCount extends RequestKey {
  count: number;
}

/** A filter: every given field must match; `subresource: ''` means the main resource only. */
export type RequestFilter = Partial<RequestKey>;

export class RequestCounters {
  readonly #counts = new Map<string, RequestCount>();

  record(key: RequestKey): void {
    const id = JSON.stringify([key.verb, key.group, key.resource, key.subresource]);
    const entry = this.#counts.get(id) ?? { ...key, count: 0 };
    entry.count++;
    this.#counts.set(id, entry);
  }

  /** The number of requests matching `filter` (all requests when it is empty). */
  count(filter: RequestFilter = {}): number {
    return this.snapshot(filter).reduce((sum, entry) => sum + entry.count, 0);
  }

  /** Every non-zero counter matching `filter`. */
  snapshot(filter: RequestFilter = {}): RequestCount[] {
    return [...this.#counts.values()]
      .filter((entry) =>
        (Object.keys(filter) as Array<keyof RequestKey>).every(
          (k) => filter[k] === undefined || filter[k] === entry[k],
        ),
      )
      .map((entry) => ({ ...entry }));
  }

  reset(): void {
    this.#counts.clear();
  }
}
