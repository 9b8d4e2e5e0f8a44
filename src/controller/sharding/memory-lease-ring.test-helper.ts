import {
  LeaseConflictError,
  type LeaseRecord,
  type LeaseStore,
  type StoredLease,
} from '../../kube/lease-store.ts';
import type { LeaseRing, RingLease } from '../../kube/lease-ring.ts';

interface Stored {
  record: LeaseRecord;
  annotations: Readonly<Record<string, string>> | undefined;
  resourceVersion: string;
}

/**
 * One ring's Leases in memory, with the API server's optimistic concurrency (409 on a stale update,
 * on creating an existing Lease, on a delete whose precondition no longer holds) and linearizable
 * reads, answered on the next microtask.
 */
export class MemoryLeaseRing {
  readonly leases = new Map<string, Stored>();
  #version = 0;

  /** A client of the ring. */
  client(): LeaseRing {
    const answer = <T>(fn: () => T): Promise<T> => {
      try {
        return Promise.resolve(fn());
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const leaseName = (member: string): string => `ring-${member}`;
    return {
      list: () => answer(() => [...this.leases].map(([name, lease]): RingLease => this.#view(name, lease))),
      delete: (name, resourceVersion) =>
        answer(() => {
          if (this.leases.get(name)?.resourceVersion !== resourceVersion) return false;
          this.leases.delete(name);
          return true;
        }),
      leaseName,
      lease: (member): LeaseStore => {
        const name = leaseName(member);
        return {
          get: () => answer(() => this.#stored(name)),
          create: (record, annotations) =>
            answer(() => {
              if (this.leases.has(name)) throw new LeaseConflictError('exists');
              return this.put(name, record, annotations);
            }),
          update: (record, resourceVersion, annotations) =>
            answer(() => {
              if (this.leases.get(name)?.resourceVersion !== resourceVersion)
                throw new LeaseConflictError('stale');
              return this.put(name, record, annotations);
            }),
        };
      },
    };
  }

  /** Writes a Lease as some other party would. */
  put(name: string, record: LeaseRecord, annotations?: Readonly<Record<string, string>>): StoredLease {
    const lease = { record: { ...record }, annotations, resourceVersion: String(++this.#version) };
    this.leases.set(name, lease);
    return this.#view(name, lease);
  }

  #stored(name: string): StoredLease | undefined {
    const lease = this.leases.get(name);
    return lease === undefined ? undefined : this.#view(name, lease);
  }

  #view(name: string, lease: Stored): RingLease {
    return {
      name,
      record: { ...lease.record },
      resourceVersion: lease.resourceVersion,
      ...(lease.annotations !== undefined && { annotations: { ...lease.annotations } }),
    };
  }
}
