/**
 * Condition reasons that come from the node's state rather than from a failed poll. They are API:
 * alerts, the Argo CD health script and users' `kubectl wait` scripts match on them, so they never
 * change spelling. Ready, Reconciling and Stalled always share one reason, which says why all three
 * are what they are.
 */
export const StateReason = {
  /** A documented in-progress status (Running, Starting, ... and PAI's own `Unknown`). */
  Progressing: 'Progressing',
  /** A status this controller has never seen: treated as in progress, polling continues. */
  UnrecognizedStatus: 'UnrecognizedStatus',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  /** Stopped by a user in PAI. */
  Terminated: 'Terminated',
  /**
   * Not run by PAI: its branch was not taken, or a node it depends on did not succeed. Neutral, like
   * Succeeded (Ready=True): a failure upstream is reported by the node that failed.
   */
  Skipped: 'Skipped',
  /** Suspended in PAI (e.g. waiting for a manual approval). */
  NodeSuspended: 'NodeSuspended',
  /** Polling stopped by `spec.suspend`. */
  Suspended: 'Suspended',
  /** Nothing to observe yet, e.g. the run has not started so it has no root node. */
  Pending: 'Pending',
} as const;
export type StateReason = (typeof StateReason)[keyof typeof StateReason];

/** Reasons of the Synced condition other than a failed poll's own reason. */
export const SyncedReason = {
  /** The last poll got an answer. */
  Polled: 'Polled',
  /** Never polled: `spec.suspend` was set from the start. */
  NotPolled: 'NotPolled',
  /** The poll did not fail, yet it did not report the tracked node. Transient. */
  NodeNotReported: 'NodeNotReported',
  /**
   * The node was polled, but the query for its descendants (Type=Physical) failed: status shows the
   * node as PAI reports it and the descendants last observed.
   */
  DetailMissing: 'DetailMissing',
  /** What a failed poll's reason becomes when it is not a CamelCase word. */
  PollFailed: 'PollFailed',
} as const;
export type SyncedReason = (typeof SyncedReason)[keyof typeof SyncedReason];

const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** `reason` when metav1.Condition accepts it (a CamelCase word, at most 64 characters), else PollFailed. */
export function conditionReason(reason: string): string {
  return REASON.test(reason) && reason.length <= 64 ? reason : SyncedReason.PollFailed;
}
