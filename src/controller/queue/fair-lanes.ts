/** The two lanes of one group: urgent items are handed out before routine ones. */
interface Lanes<T> {
  urgent: Set<T>;
  routine: Set<T>;
}

/**
 * The queued items of a work queue, in groups (a tenant: the namespace of a `namespace/name` key)
 * served in turn: the group that has waited longest since its last turn goes next, so a group with
 * a thousand items delays another group's next item by one item, not a thousand. Within a group,
 * urgent items go before routine ones and each lane is first in, first out. With one group, this is
 * a plain two-lane FIFO.
 *
 * Each group is a Map entry whose two Sets keep insertion order: every operation is O(1).
 */
export class FairLanes<T> {
  readonly #groupOf: (item: T) => string;
  /** Groups with queued items, in turn order: the first goes next. */
  readonly #groups = new Map<string, Lanes<T>>();
  #size = 0;

  constructor(groupOf: (item: T) => string) {
    this.#groupOf = groupOf;
  }

  get size(): number {
    return this.#size;
  }

  has(item: T): boolean {
    const lanes = this.#groups.get(this.#groupOf(item));
    return lanes !== undefined && (lanes.urgent.has(item) || lanes.routine.has(item));
  }

  /** Queues `item` (which must not be queued) at the end of its group's lane. */
  add(item: T, urgent: boolean): void {
    const group = this.#groupOf(item);
    let lanes = this.#groups.get(group);
    if (lanes === undefined) {
      lanes = { urgent: new Set(), routine: new Set() };
      this.#groups.set(group, lanes);
    }
    (urgent ? lanes.urgent : lanes.routine).add(item);
    this.#size += 1;
  }

  /** Moves a routine `item` to the end of its group's urgent lane; false if it is not queued as routine. */
  promote(item: T): boolean {
    const lanes = this.#groups.get(this.#groupOf(item));
    if (lanes?.routine.delete(item) !== true) return false;
    lanes.urgent.add(item);
    return true;
  }

  /** Takes the next item: from the group whose turn it is, urgent first. */
  shift(): T | undefined {
    const next = this.#groups.entries().next();
    if (next.done === true) return undefined;
    const [group, lanes] = next.value;
    const lane = lanes.urgent.size > 0 ? lanes.urgent : lanes.routine;
    const [item] = lane;
    if (item === undefined) return undefined;
    lane.delete(item);
    this.#size -= 1;
    // Its turn is over: to the back of the line, or out of it when it has nothing left.
    this.#groups.delete(group);
    if (lanes.urgent.size + lanes.routine.size > 0) this.#groups.set(group, lanes);
    return item;
  }

  clear(): void {
    this.#groups.clear();
    this.#size = 0;
  }
}
