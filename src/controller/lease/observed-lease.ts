import type { LeaseRecord } from '../../kube/lease-store.ts';

/**
 * The last record read of one Lease and the local time it was first seen, client-go's rule for
 * judging a Lease held by someone else: it runs out `leaseDurationSeconds` after *this* replica saw
 * its record change, never by the holder's timestamps (clocks of replicas differ; rates are assumed
 * equal). Used by the leader elector (one Lease) and the shard ring (one per member).
 */
export class ObservedLease {
  #record: LeaseRecord | undefined;
  #at = 0;

  /** The record last read, or undefined before the first. */
  get record(): LeaseRecord | undefined {
    return this.#record;
  }

  /** Local time (epoch ms) at which the current record was first seen. */
  get observedAt(): number {
    return this.#at;
  }

  /**
   * Notes a record read at local time `now`; true when it differs from the last one read (or is
   * the first), which restarts its lease duration.
   */
  observe(record: LeaseRecord, now: number): boolean {
    if (this.#record !== undefined && sameRecord(record, this.#record)) return false;
    this.#record = record;
    this.#at = now;
    return true;
  }

  /** How long (ms) the record has gone unchanged, by local observation. */
  unchangedFor(now: number): number {
    return now - this.#at;
  }

  /** Local time (epoch ms) at which the record runs out: its own lease duration after it was seen. */
  expiresAt(): number | undefined {
    return this.#record === undefined ? undefined : this.#at + this.#record.leaseDurationSeconds * 1000;
  }

  /** True once the record has not changed for its own lease duration, by local observation. */
  expired(now: number): boolean {
    const expiresAt = this.expiresAt();
    return expiresAt !== undefined && now >= expiresAt;
  }
}

function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTimeMs === b.acquireTimeMs &&
    a.renewTimeMs === b.renewTimeMs &&
    a.leaseTransitions === b.leaseTransitions
  );
}
