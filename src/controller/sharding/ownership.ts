import { rendezvousOwner } from './rendezvous.ts';
import type { View } from './view.ts';

/**
 * Which shard keys one replica may work on right now (poll, write status for), as the shard ring
 * decided. A key is owned when this replica wins it by rendezvous hashing in *every* view held since
 * the ring last settled: a replica that switches to a new view keeps the keys it still wins, drops the
 * others at once, and takes up keys it newly wins only once every member applies the new view (the
 * ring then settles, holding that view alone). With no view held (before the first settle, or after
 * this replica could not renew its Lease) it owns nothing. Immutable: the ring hands out a new one.
 */
export class Ownership {
  readonly identity: string;
  /** The view this replica applies (publishes); its members are the ring as this replica sees it. */
  readonly applied: View;
  readonly #held: readonly View[];

  constructor(identity: string, applied: View, held: readonly View[]) {
    this.identity = identity;
    this.applied = applied;
    this.#held = held;
  }

  /** Owns nothing (before joining, or fenced): applies `applied` but holds no view. */
  static none(identity: string, applied: View = { members: [], hash: '' }): Ownership {
    return new Ownership(identity, applied, []);
  }

  /** True when this replica may work on `key`. */
  owns(key: string): boolean {
    return (
      this.#held.length > 0 &&
      this.#held.every((view) => rendezvousOwner(key, view.members) === this.identity)
    );
  }

  /** True when every member applies this replica's view, which it then holds alone. */
  get settled(): boolean {
    return this.#held.length === 1 && this.#held[0]?.hash === this.applied.hash;
  }

  /** True when it owns nothing whatever the key (no view held). */
  get empty(): boolean {
    return this.#held.length === 0;
  }

  /** The held views (for logs): the last one is the applied view, unless empty. */
  get held(): readonly View[] {
    return this.#held;
  }
}
