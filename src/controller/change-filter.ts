import { RECONCILE_ANNOTATION, type PipelineRunNode } from '../api/v1alpha1.ts';
import { keyOf } from './controller.ts';
import type { ChangeType } from './informer/resource-informer.ts';

interface Seen {
  generation: number | undefined;
  reconcileRequest: string | undefined;
}

/**
 * Decides which watch events deserve a reconcile. Our own status writes come back as updates and
 * must not cause another poll: an update is only worth a reconcile when `metadata.generation`
 * (the spec) or the reconcile-requested-at annotation changed. Adds (including the initial list and
 * relists) and deletes always are. It remembers, per key, what it saw last; the informer's update
 * callback does not hand over the old object.
 */
export class ChangeFilter {
  readonly #seen = new Map<string, Seen>();

  /** Returns the key to enqueue, or undefined when the change is only status (or labels, ...). */
  keyToEnqueue(type: ChangeType, object: PipelineRunNode): string | undefined {
    const key = keyOf(object);
    if (type === 'delete') {
      this.#seen.delete(key);
      return key;
    }
    const now: Seen = {
      generation: object.metadata.generation,
      reconcileRequest: object.metadata.annotations?.[RECONCILE_ANNOTATION],
    };
    const before = this.#seen.get(key);
    this.#seen.set(key, now);
    if (type === 'add' || before === undefined) return key;
    return before.generation !== now.generation || before.reconcileRequest !== now.reconcileRequest
      ? key
      : undefined;
  }
}
