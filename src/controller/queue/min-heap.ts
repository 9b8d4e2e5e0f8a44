/**
 * A binary min-heap ordered by `less`: O(log n) push and pop, O(1) peek. Internal to the delaying
 * queue (client-go keeps its own heap there too); it has no removal, callers skip stale entries.
 */
export class MinHeap<E> {
  readonly #less: (a: E, b: E) => boolean;
  #entries: E[] = [];

  constructor(less: (a: E, b: E) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#entries.length;
  }

  peek(): E | undefined {
    return this.#entries[0];
  }

  push(entry: E): void {
    const entries = this.#entries;
    entries.push(entry);
    let i = entries.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#lessAt(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  pop(): E | undefined {
    const entries = this.#entries;
    const top = entries[0];
    const last = entries.pop();
    if (entries.length === 0 || last === undefined) return top;
    entries[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < entries.length && this.#lessAt(left, smallest)) smallest = left;
      if (right < entries.length && this.#lessAt(right, smallest)) smallest = right;
      if (smallest === i) return top;
      this.#swap(i, smallest);
      i = smallest;
    }
  }

  /** Replaces the contents with `entries`. */
  reset(entries: Iterable<E>): void {
    this.#entries = [];
    for (const entry of entries) this.push(entry);
  }

  #lessAt(i: number, j: number): boolean {
    return this.#less(this.#entries[i] as E, this.#entries[j] as E);
  }

  #swap(i: number, j: number): void {
    const entries = this.#entries;
    [entries[i], entries[j]] = [entries[j] as E, entries[i] as E];
  }
}
