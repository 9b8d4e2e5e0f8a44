import type { BuiltinDefinition } from './builtin-type.ts';
import { builtinType } from './builtin-type.ts';
import { customResourceDefinitions } from './builtins/crds.ts';
import { coreEvents, eventsV1 } from './builtins/events.ts';
import { leases } from './builtins/leases.ts';
import { namespaces } from './builtins/namespaces.ts';
import { permissiveDefinition } from './builtins/permissive-kind.ts';
import { permissiveKinds } from './builtins/permissive-kinds.ts';
import { secrets } from './builtins/secrets.ts';
import { customResourceTypes } from './custom-resource-type.ts';
import type { ResourceType } from './resource-type.ts';
import type { CustomResourceDefinition } from './schema/types.ts';

/**
 * Which resources are served: the built-ins plus every served version of every established CRD.
 * Rebuilt whenever the CRD set changes; lookups are by group, version and plural.
 */

const builtinDefinitions: BuiltinDefinition[] = [
  namespaces,
  secrets,
  coreEvents,
  eventsV1,
  leases,
  customResourceDefinitions,
  ...permissiveKinds.map(permissiveDefinition),
];

/** Built-in groups in the order the real server lists them (legacy core group first). */
const builtinGroupOrder = [
  '',
  'apps',
  'events.k8s.io',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'coordination.k8s.io',
  'apiextensions.k8s.io',
];

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (`kube-aware` sort). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (m === null) return [3, 0, 0, v];
    const stability = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stability, -Number(m[1]), -Number(m[3] ?? 0), v];
  };
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] as number) - (pb[i] as number);
    if (d !== 0) return d;
  }
  return pa[3] < pb[3] ? -1 : pa[3] > pb[3] ? 1 : 0;
}

export interface ServedGroup {
  name: string;
  /** Versions in priority order; the first is preferred. */
  versions: string[];
}

export class ResourceRegistry {
  readonly #builtins: ResourceType[] = builtinDefinitions.map(builtinType);
  #custom: ResourceType[] = [];
  #crds: CustomResourceDefinition[] = [];

  /** Replaces the CRD-served resources with those of `crds`. */
  setCustomResourceDefinitions(crds: CustomResourceDefinition[]): void {
    this.#crds = crds;
    this.#custom = crds.flatMap(customResourceTypes);
  }

  /** The CRDs whose resources are served (for OpenAPI). */
  get customResourceDefinitions(): CustomResourceDefinition[] {
    return this.#crds;
  }

  /** Whether the CRD storing `bucket` is being deleted (its objects can no longer be created). */
  isTerminating(bucket: string): boolean {
    return this.#crds.some(
      (crd) =>
        `${crd.spec.group}/${crd.spec.names.plural}` === bucket &&
        crd.metadata.deletionTimestamp !== undefined,
    );
  }

  all(): ResourceType[] {
    return [...this.#builtins, ...this.#custom];
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** Every version's type stored in `bucket` (the storage version's first for CRs). */
  byBucket(bucket: string): ResourceType[] {
    return this.all().filter((t) => t.bucket === bucket);
  }

  resources(group: string, version: string): ResourceType[] {
    return this.all().filter((t) => t.group === group && t.version === version);
  }

  groups(): ServedGroup[] {
    const names = [...new Set(this.all().map((t) => t.group))];
    const custom = names.filter((n) => !builtinGroupOrder.includes(n)).sort();
    return [...builtinGroupOrder.filter((n) => names.includes(n)), ...custom].map((name) => ({
      name,
      versions: [
        ...new Set(
          this.all()
            .filter((t) => t.group === name)
            .map((t) => t.version),
        ),
      ].sort(compareVersions),
    }));
  }
}
