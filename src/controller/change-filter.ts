import { RECONCILE_ANNOTATION, type PipelineRunNode } from '../api/v1alpha1.ts';
import { keyOf } from './controller.ts';
import type { ChangeType } from './informer/resource-informer.ts';

interface Seen {
  uid: string | undefined;
  generation: number | undefined;
  reconcileRequest: string | undefined;
}

/**
 * Decides which watch events deserve a reconcile. Our own status writes come back as updates and
 * must not cause another poll: an update is only worth a reconcile when `metadata.generation`
 * (the spec) or the reconcile-requested-at annotation changed. Adds (including the initial list and
 * relists) and deletes always are. An update carrying another `metadata.uid` is a new object: the old
 * one was deleted and one of the same name created while the watch was down (a relist reports that
 * as an update), and its generation starts again at 1, so it could pass for a status-only update.
 * It remembers, per key, what it saw last; the informer's update callback does not hand over the
 * old object.
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
      uid: object.metadata.uid,
      generation: object.metadata.generation,
      reconcileRequest: object.metadata.annotations?.[RECONCILE_ANNOTATION],
    };
    const before = this.#seen.get(key);
    this.#seen.set(key, now);
    if (type === 'add' || before === undefined) return key;
    return before.uid !== now.uid ||
      before.generation !== now.generation ||
      before.reconcileRequest !== now.reconcileRequest
      ? key
      : undefined;
  }
}
