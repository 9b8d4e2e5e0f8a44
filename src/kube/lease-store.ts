import {
  ApiException,
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';

/** What a leader election Lease holds (client-go's `LeaderElectionRecord`). Times are epoch ms. */
export interface LeaseRecord {
  /** '' when nobody holds it (released). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTimeMs?: number | undefined;
  renewTimeMs?: number | undefined;
  leaseTransitions: number;
}

/** A record as stored, with the resourceVersion an update must carry. */
export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
  /** The Lease's annotations (where a shard ring member publishes the view it applies). */
  annotations?: Readonly<Record<string, string>>;
}

/** Someone else wrote the Lease first: 409 on create (AlreadyExists) or on update (stale resourceVersion). */
export class LeaseConflictError extends Error {
  override readonly name = 'LeaseConflictError';
}

/**
 * One Lease object, read and written with optimistic concurrency: the storage an elector needs.
 * Methods reject with LeaseConflictError on a 409, with the client's errors otherwise.
 */
export interface LeaseStore {
  /** The Lease, or undefined when it does not exist. */
  get(): Promise<StoredLease | undefined>;
  /** Creates the Lease with `record` and, if given, `annotations`. */
  create(record: LeaseRecord, annotations?: Readonly<Record<string, string>>): Promise<StoredLease>;
  /**
   * Replaces the record (and the annotations: none when not given), only if the Lease is still at
   * `resourceVersion`.
   */
  update(
    record: LeaseRecord,
    resourceVersion: string,
    annotations?: Readonly<Record<string, string>>,
  ): Promise<StoredLease>;
}

function micro(ms: number | undefined): V1MicroTime | undefined {
  // A real API server refuses a MicroTime without its 6 fractional digits; V1MicroTime writes them.
  return ms === undefined ? undefined : new V1MicroTime(ms);
}

function millis(value: Date | string | undefined): number | undefined {
  // client-node gives back MicroTime fields as strings on read.
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A V1Lease as this module's types see it. */
export function stored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    ...(lease.metadata?.annotations !== undefined && { annotations: lease.metadata.annotations }),
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTimeMs: millis(spec.acquireTime),
      renewTimeMs: millis(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

/** A coordination.k8s.io/v1 Lease through @kubernetes/client-node. */
export class KubeLeaseStore implements LeaseStore {
  readonly #api: CoordinationV1Api;
  readonly #namespace: string;
  readonly #name: string;
  readonly #labels: Record<string, string> | undefined;

  constructor(options: {
    kubeConfig: KubeConfig;
    namespace: string;
    name: string;
    /** Labels of a Lease this store creates (e.g. to find a ring's member Leases). */
    labels?: Record<string, string>;
  }) {
    this.#api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.#namespace = options.namespace;
    this.#name = options.name;
    this.#labels = options.labels;
  }

  async get(): Promise<StoredLease | undefined> {
    try {
      return stored(await this.#api.readNamespacedLease({ namespace: this.#namespace, name: this.#name }));
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  create(record: LeaseRecord, annotations?: Readonly<Record<string, string>>): Promise<StoredLease> {
    return this.#write(() =>
      this.#api.createNamespacedLease({
        namespace: this.#namespace,
        body: this.#body(record, undefined, annotations),
      }),
    );
  }

  update(
    record: LeaseRecord,
    resourceVersion: string,
    annotations?: Readonly<Record<string, string>>,
  ): Promise<StoredLease> {
    return this.#write(() =>
      this.#api.replaceNamespacedLease({
        namespace: this.#namespace,
        name: this.#name,
        body: this.#body(record, resourceVersion, annotations),
      }),
    );
  }

  #body(
    record: LeaseRecord,
    resourceVersion: string | undefined,
    annotations: Readonly<Record<string, string>> | undefined,
  ): V1Lease {
    const acquireTime = micro(record.acquireTimeMs);
    const renewTime = micro(record.renewTimeMs);
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.#name,
        namespace: this.#namespace,
        ...(this.#labels !== undefined && { labels: this.#labels }),
        ...(annotations !== undefined && { annotations: { ...annotations } }),
        ...(resourceVersion !== undefined && { resourceVersion }),
      },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        leaseTransitions: record.leaseTransitions,
        ...(acquireTime !== undefined && { acquireTime }),
        ...(renewTime !== undefined && { renewTime }),
      },
    };
  }

  async #write(request: () => Promise<V1Lease>): Promise<StoredLease> {
    try {
      return stored(await request());
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) {
        throw new LeaseConflictError(`Lease ${this.#namespace}/${this.#name} was written by someone else`);
      }
      throw error;
    }
  }
}
