import { CONDITION_TYPES } from '../../api/v1alpha1.ts';
import type { Condition } from '../../api/v1alpha1.ts';
import { formatTime } from './time.ts';
import { truncate } from './truncate.ts';

/** Messages are cut to this many characters: enough to explain, small enough for `kubectl get -o wide`. */
export const MAX_CONDITION_MESSAGE = 1024;

/** A condition as a caller states it; setCondition decides its `lastTransitionTime`. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

function rank(type: string): number {
  const i = (CONDITION_TYPES as readonly string[]).indexOf(type);
  return i === -1 ? CONDITION_TYPES.length : i;
}

/** The condition of `type`, if any. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Returns a new list with `next` in place of the condition of the same type (or added). Its
 * `lastTransitionTime` is `now` when the status flips or the condition is new, and the previous one
 * otherwise: a new reason or message alone is not a transition, and moving the time on every pass
 * would rewrite the object each time. The message is cut to {@link MAX_CONDITION_MESSAGE}. Order is
 * stable: Ready, Reconciling, Stalled, Synced, then other types in their previous order. The input
 * is not modified.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: ConditionUpdate,
  now: number,
): Condition[] {
  const previous = findCondition(conditions, next.type);
  const condition: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message: truncate(next.message, MAX_CONDITION_MESSAGE),
    lastTransitionTime:
      previous !== undefined && previous.status === next.status
        ? previous.lastTransitionTime
        : formatTime(now),
    ...(next.observedGeneration === undefined ? {} : { observedGeneration: next.observedGeneration }),
  };
  const others = (conditions ?? []).filter((c) => c.type !== next.type);
  // Array.prototype.sort is stable, so unknown types keep their relative order.
  return [...others, condition].sort((a, b) => rank(a.type) - rank(b.type));
}
