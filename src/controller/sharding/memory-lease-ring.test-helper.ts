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

/** How one member's requests fare: answered, never answered (a partition), or refused. */
export type Link = 'up' | 'hang' | 'fail';

/**
 * One ring's Leases in memory, with the API server's optimistic concurrency (409 on a stale update,
 * on creating an existing Lease, on a delete whose precondition no longer holds) and linearizable
 * reads. Each member talks through its own client, whose link a test can cut.
 */
export class MemoryLeaseRing {
  readonly leases = new Map<string, Stored>();
  readonly #links = new Map<string, Link>();
  #version = 0;

  /** The ring as `identity` sees it, through its own link. */
  client(identity: string): LeaseRing {
    const answer = <T>(fn: () => T): Promise<T> => {
      const link = this.#links.get(identity) ?? 'up';
      if (link === 'hang') return new Promise<T>(() => undefined);
      if (link === 'fail') return Promise.reject(new Error(`${identity}: connection refused`));
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

  /** Cuts or restores one member's link. */
  link(identity: string, link: Link): void {
    this.#links.set(identity, link);
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
