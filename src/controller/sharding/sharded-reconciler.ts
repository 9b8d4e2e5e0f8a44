import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import { keyOf, splitKey } from '../controller.ts';
import type { ReconcileContext, Reconciler, Result } from '../reconcile-result.ts';
import type { Ownership } from './ownership.ts';
import { shardKey } from './shard-key.ts';

export interface ShardedReconcilerOptions {
  /** The reconciler of owned resources. */
  reconciler: Reconciler;
  /** The informer's cache: every resource, owned or not (each replica watches the whole set). */
  cache: {
    get(namespace: string, name: string): PipelineRunNode | undefined;
    list(): readonly PipelineRunNode[];
  };
  /** The ring's current ownership (ShardRing.ownership). */
  ownership: () => Ownership;
  /** Stops observing a key: no more PAIFlow calls for it (Observer.forget). */
  forget: (key: string) => void;
  /** Hands a key to the work queue. */
  enqueue: (key: string) => void;
  /** Told how many resources were taken up (`in`) or dropped (`out`) at each ownership change. */
  onHandover?: (direction: 'in' | 'out', resources: number) => void;
}

/**
 * The reconciler of one shard ring member: reconciles only the resources this replica owns, and
 * applies the ring's ownership changes (`apply`, the ring's `onChange`): dropped resources are no
 * longer observed and their in-flight reconciles (status writes, Events) are awaited before `apply`
 * resolves, which is what lets the ring publish its new view (docs/architecture.md, "Sharding");
 * resources taken up are enqueued.
 */
export class ShardedReconciler implements Reconciler {
  readonly #o: ShardedReconcilerOptions;
  /** Reconciles in progress, by key: settled once the reconcile is over, whatever its outcome. */
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(options: ShardedReconcilerOptions) {
    this.#o = options;
  }

  /** True when this replica works on `resource` now. */
  owns(resource: Pick<PipelineRunNode, 'spec'>): boolean {
    return this.#o.ownership().owns(shardKey(resource));
  }

  reconcile(key: string, context: ReconcileContext): Promise<Result> {
    const resource = this.#o.cache.get(...splitKey(key));
    // A deleted resource goes through: the reconciler only forgets it.
    if (resource !== undefined && !this.owns(resource)) {
      this.#o.forget(key);
      return Promise.resolve({});
    }
    // Checked and registered without a pause, so `apply` sees every reconcile that passed the check.
    const run = this.#o.reconciler.reconcile(key, context);
    const settled = (): void => {
      if (this.#inFlight.get(key) === tracked) this.#inFlight.delete(key);
    };
    // The Controller handles the outcome; this copy only says when it is over.
    const tracked: Promise<void> = run.then(settled, settled);
    this.#inFlight.set(key, tracked);
    return run;
  }

  /**
   * Applies a new ownership (the ShardRing's `onChange`): resolves once no work is left on the
   * resources it dropped. Never rejects.
   */
  async apply(next: Ownership, previous: Ownership): Promise<void> {
    const dropped: string[] = [];
    const added: string[] = [];
    for (const resource of this.#o.cache.list()) {
      const key = shardKey(resource);
      const was = previous.owns(key);
      const is = next.owns(key);
      if (was && !is) dropped.push(keyOf(resource));
      else if (is && !was) added.push(keyOf(resource));
    }
    for (const key of dropped) this.#o.forget(key);
    const running = dropped.map((key) => this.#inFlight.get(key)).filter((p) => p !== undefined);
    await Promise.all(running);
    // A reconcile that was running may have asked the observer to poll again.
    for (const key of dropped) this.#o.forget(key);
    for (const key of added) this.#o.enqueue(key);
    if (dropped.length > 0) this.#o.onHandover?.('out', dropped.length);
    if (added.length > 0) this.#o.onHandover?.('in', added.length);
  }
}
