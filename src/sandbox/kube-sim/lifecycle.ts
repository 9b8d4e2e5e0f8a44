import { crdCleanupFinalizer } from './builtins/crds.ts';
import { conflict } from './errors.ts';
import type { KubeObject } from './object-meta.ts';
import { finalizersOf, isRecord, metadataOf, nameOf, namespaceOf } from './object-meta.ts';
import type { ObjectWriter } from './object-writer.ts';
import { timestamp } from './object-writer.ts';
import type { ResourceRegistry } from './registry.ts';
import type { ResourceType } from './resource-type.ts';
import type { CustomResourceDefinition } from './schema/types.ts';
import type { ObjectStore } from './store.ts';
import { storeKey } from './store.ts';

/**
 * What the real control plane's controllers do after a deletion, done synchronously: the
 * namespace controller empties a terminating namespace and then drops its `kubernetes`
 * finalizer; the CRD finalizer controller deletes a terminating CRD's objects and then its own
 * finalizer. Objects with finalizers of their own stay (terminating) until those are removed.
 */

const crdBucket = 'apiextensions.k8s.io/customresourcedefinitions';

function specFinalizers(ns: KubeObject): string[] {
  const spec = isRecord(ns.spec) ? ns.spec : {};
  return Array.isArray(spec.finalizers)
    ? spec.finalizers.filter((f): f is string => typeof f === 'string')
    : [];
}

export class Lifecycle {
  readonly #store: ObjectStore;
  readonly #registry: ResourceRegistry;
  readonly #writer: ObjectWriter;
  readonly #now: () => number;

  constructor(options: {
    store: ObjectStore;
    registry: ResourceRegistry;
    writer: ObjectWriter;
    now: () => number;
  }) {
    this.#store = options.store;
    this.#registry = options.registry;
    this.#writer = options.writer;
    this.#now = options.now;
  }

  /** Re-reads the CRDs into the registry. */
  refreshRegistry(): void {
    this.#registry.setCustomResourceDefinitions(
      this.#store.list(crdBucket) as unknown as CustomResourceDefinition[],
    );
  }

  /**
   * DELETE of a namespace: marks it Terminating (the namespace controller then empties it).
   * A second DELETE while it terminates is a 409, as on the real server.
   */
  deleteNamespace(type: ResourceType, name: string, dryRun: boolean): KubeObject {
    const ns = this.#store.get('namespaces', storeKey('', name));
    if (ns === undefined) return this.#writer.current(type, '', name);
    if (metadataOf(ns).deletionTimestamp !== undefined) {
      throw conflict(
        { group: '', resource: 'namespaces' },
        name,
        'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
      );
    }
    metadataOf(ns).deletionTimestamp = timestamp(this.#now());
    metadataOf(ns).deletionGracePeriodSeconds = 0;
    ns.status = { ...(isRecord(ns.status) ? ns.status : {}), phase: 'Terminating' };
    if (dryRun) return type.toServed(ns);
    return type.toServed(this.#store.update('namespaces', storeKey('', name), ns));
  }

  /** Runs the controllers until nothing more changes. */
  settle(): void {
    for (let progress = true; progress;) {
      this.refreshRegistry();
      progress = this.#settleNamespaces() || this.#settleCrds();
    }
  }

  /** Deletes every object of `type`'s bucket (in `namespace`); true when some remain (finalizers). */
  #purge(type: ResourceType, namespace: string | undefined): boolean {
    let left = false;
    for (const stored of this.#store.list(type.bucket, namespace)) {
      const served = type.toServed(stored);
      if (metadataOf(served).deletionTimestamp !== undefined) {
        left = true;
        continue;
      }
      const { gone } = this.#writer.delete(type, namespaceOf(served), nameOf(served), { dryRun: false });
      if (!gone) left = true;
    }
    return left;
  }

  #settleNamespaces(): boolean {
    let progress = false;
    for (const ns of this.#store.list('namespaces')) {
      if (metadataOf(ns).deletionTimestamp === undefined) continue;
      const buckets = new Map(
        this.#registry
          .all()
          .filter((t) => t.namespaced)
          .map((t) => [t.bucket, t]),
      );
      let left = false;
      for (const type of buckets.values()) if (this.#purge(type, nameOf(ns))) left = true;
      if (left) continue;
      const remaining = specFinalizers(ns).filter((f) => f !== 'kubernetes');
      const key = storeKey('', nameOf(ns));
      if (remaining.length === 0 && finalizersOf(ns).length === 0) {
        this.#store.delete('namespaces', key);
        progress = true;
      } else if (remaining.length !== specFinalizers(ns).length) {
        this.#store.update('namespaces', key, {
          ...ns,
          spec: { ...(isRecord(ns.spec) ? ns.spec : {}), finalizers: remaining },
        });
        progress = true;
      }
    }
    return progress;
  }

  #settleCrds(): boolean {
    let progress = false;
    for (const crd of this.#store.list(crdBucket)) {
      const meta = metadataOf(crd);
      if (meta.deletionTimestamp === undefined || !finalizersOf(crd).includes(crdCleanupFinalizer)) continue;
      const typed = crd as unknown as CustomResourceDefinition;
      const type = this.#registry.byBucket(`${typed.spec.group}/${typed.spec.names.plural}`)[0];
      if (type !== undefined && this.#purge(type, undefined)) continue;
      const finalizers = finalizersOf(crd).filter((f) => f !== crdCleanupFinalizer);
      const key = storeKey('', nameOf(crd));
      if (finalizers.length === 0) this.#store.delete(crdBucket, key);
      else this.#store.update(crdBucket, key, { ...crd, metadata: { ...meta, finalizers } });
      progress = true;
    }
    return progress;
  }
}
