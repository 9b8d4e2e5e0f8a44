import { ApiException, CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { KubeLeaseStore, stored, type LeaseStore, type StoredLease } from './lease-store.ts';

/** A member Lease of a ring, as listed. */
export interface RingLease extends StoredLease {
  name: string;
}

/**
 * The Leases of one shard ring: every member holds one, labelled with the ring's name, in one
 * namespace. Reads are the API server's consistent reads (a list without a resourceVersion), which
 * the ring's handover protocol relies on (docs/architecture.md, "Sharding").
 */
export interface LeaseRing {
  /** Every Lease of the ring. */
  list(): Promise<RingLease[]>;
  /** Deletes the Lease if it is still at `resourceVersion`; false when it was gone or had changed. */
  delete(name: string, resourceVersion: string): Promise<boolean>;
  /** The name of a member's Lease. */
  leaseName(identity: string): string;
  /** The store of a member's Lease; a Lease it creates carries the ring's label. */
  lease(identity: string): LeaseStore;
}

/** The label naming the ring a member Lease belongs to. */
export const SHARD_RING_LABEL = 'paiflow.dev/shard-ring';

/** A ring's member Leases through @kubernetes/client-node. */
export class KubeLeaseRing implements LeaseRing {
  readonly #kubeConfig: KubeConfig;
  readonly #api: CoordinationV1Api;
  readonly #namespace: string;
  readonly #ring: string;

  constructor(options: { kubeConfig: KubeConfig; namespace: string; ring: string }) {
    this.#kubeConfig = options.kubeConfig;
    this.#api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.#namespace = options.namespace;
    this.#ring = options.ring;
  }

  async list(): Promise<RingLease[]> {
    const list = await this.#api.listNamespacedLease({
      namespace: this.#namespace,
      labelSelector: `${SHARD_RING_LABEL}=${this.#ring}`,
    });
    return list.items.map((lease) => ({ name: lease.metadata?.name ?? '', ...stored(lease) }));
  }

  async delete(name: string, resourceVersion: string): Promise<boolean> {
    try {
      await this.#api.deleteNamespacedLease({
        namespace: this.#namespace,
        name,
        body: { preconditions: { resourceVersion } },
      });
      return true;
    } catch (error) {
      if (error instanceof ApiException && (error.code === 404 || error.code === 409)) return false;
      throw error;
    }
  }

  /**
   * `<ring>-<identity>`: one namespace may hold several rings (and the leader election Lease). Throws
   * a RangeError when that is no valid object name.
   */
  leaseName(identity: string): string {
    const name = `${this.#ring}-${identity}`;
    if (name.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
      throw new RangeError(
        `expected the ring name and identity to make a Lease name (lower-case letters, digits, '-', '.', at most 253 characters), got ${JSON.stringify(name)}`,
      );
    }
    return name;
  }

  lease(identity: string): LeaseStore {
    return new KubeLeaseStore({
      kubeConfig: this.#kubeConfig,
      namespace: this.#namespace,
      name: this.leaseName(identity),
      labels: { [SHARD_RING_LABEL]: this.#ring },
    });
  }
}
