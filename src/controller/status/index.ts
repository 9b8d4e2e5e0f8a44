/**
 * The pure status logic of the PipelineRunNode controller: what a poll means for `.status`, which
 * Events a change deserves and when to poll next. No I/O, no clock, no randomness of its own.
 */
export { computeStatus, type ComputeStatusInput, type PollOutcome } from './compute-status.ts';
export { findCondition, MAX_CONDITION_MESSAGE, setCondition, type ConditionUpdate } from './conditions.ts';
export { DEFAULT_STATUS_LIMITS, resolveStatusLimits, type StatusLimits } from './limits.ts';
export {
  canonicalPaiStatus,
  classifyPaiStatus,
  isKnownPaiStatus,
  isTerminal,
  type PaiStatusClass,
} from './pai-status.ts';
export { conditionReason, StateReason, SyncedReason } from './reasons.ts';
export { isReconcileRequestPending, reconcileRequestEcho } from './reconcile-request.ts';
export { statusEqual } from './status-equal.ts';
export { becameStalled, transitions, type StatusEvent, type StatusEventReason } from './transitions.ts';
