import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { rendezvousOwner } from '../../src/controller/sharding/index.ts';
import { SHARD_RING_LABEL } from '../../src/kube/lease-ring.ts';
import type { ControllerReplicas, Replica } from '../support/replicas.ts';
import { waitFor } from '../support/wait.ts';

/**
 * What a test can see of a shard ring of real replicas from outside: the member Leases (as the
 * admin), each replica's `paiflow_shard_*` metrics, and the owner of every shard key by the same
 * rendezvous hashing over the members the Leases name (identities are `<pod name>-<random>`).
 */
export class RingProbe {
  readonly #leases: CoordinationV1Api;
  readonly #namespace: string;
  readonly #ring: string;
  readonly #replicas: ControllerReplicas;
  readonly #keys: readonly string[];

  constructor(options: {
    admin: KubeConfig;
    namespace: string;
    ring: string;
    replicas: ControllerReplicas;
    /** Every shard key (run) of the test's resources, one resource each. */
    keys: readonly string[];
  }) {
    this.#leases = options.admin.makeApiClient(CoordinationV1Api);
    this.#namespace = options.namespace;
    this.#ring = options.ring;
    this.#replicas = options.replicas;
    this.#keys = options.keys;
  }

  /** Member identities in the ring's Leases, by replica name (live replicas only). */
  async members(): Promise<Map<string, string>> {
    const leases = await this.#leases.listNamespacedLease({
      namespace: this.#namespace,
      labelSelector: `${SHARD_RING_LABEL}=${this.#ring}`,
    });
    const byReplica = new Map<string, string>();
    for (const lease of leases.items) {
      const identity = lease.spec?.holderIdentity ?? '';
      const replica = this.#replicas.live().find((r) => identity.startsWith(`${r.name}-`));
      if (replica !== undefined) byReplica.set(replica.name, identity);
    }
    return byReplica;
  }

  /** The owning replica of each key by rendezvous hashing over `identities` (replica name -> identity). */
  owners(identities: Map<string, string>): Map<string, string> {
    const replicaOf = new Map([...identities].map(([name, id]) => [id, name]));
    const result = new Map<string, string>();
    for (const key of this.#keys)
      result.set(key, replicaOf.get(rendezvousOwner(key, [...replicaOf.keys()])!)!);
    return result;
  }

  /** The keys `replica` owns by the ring's Leases now. */
  async keysOf(replica: Replica): Promise<string[]> {
    return [...this.owners(await this.members())]
      .filter(([, owner]) => owner === replica.name)
      .map(([key]) => key);
  }

  /**
   * Waits until every live replica (but those in `not`) applies a settled view of `size` members;
   * the owned counts by replica.
   */
  async settled(size: number, not: Replica[] = []): Promise<Map<string, number>> {
    let counts = new Map<string, number>();
    try {
      await waitFor(
        async () => {
          counts = new Map();
          for (const replica of this.#replicas.live().filter((r) => !not.includes(r))) {
            if ((await gauge(replica, 'paiflow_shard_settled')) !== 1) return false;
            if ((await gauge(replica, 'paiflow_shard_ring_members')) !== size) return false;
            counts.set(replica.name, (await gauge(replica, 'paiflow_shard_owned_resources')) ?? 0);
          }
          const owned = [...counts.values()].reduce((a, b) => a + b, 0);
          return counts.size === size && owned === this.#keys.length;
        },
        `a settled ring of ${size}`,
        30_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.#replicas.lastWords()}`, { cause: error });
    }
    return counts;
  }
}

/** An unlabelled sample of one replica's /metrics. */
export async function gauge(replica: Replica, name: string): Promise<number | undefined> {
  const text = await (await fetch(replica.metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}
