import { CONDITION_TYPES, STATUS_BOUNDS } from '../../api/v1alpha1.ts';
import type {
  Condition,
  ConditionStatus,
  PipelineRunNodeSpec,
  PipelineRunNodeStatus,
} from '../../api/v1alpha1.ts';
import type { NodeStatus } from '../../paiflow/types.ts';
import { findCondition, setCondition } from './conditions.ts';
import { resolveStatusLimits } from './limits.ts';
import type { StatusLimits } from './limits.ts';
import { failureDetail, errorText } from './failure-detail.ts';
import { nodeLabel } from './node-label.ts';
import { observeNode, previousObservation } from './observe.ts';
import type { Observation, ObservedNode } from './observe.ts';
import { canonicalPaiStatus, classifyPaiStatus, isKnownPaiStatus, isTerminal } from './pai-status.ts';
import { reconcileRequestEcho } from './reconcile-request.ts';
import { conditionReason, StateReason, SyncedReason } from './reasons.ts';
import { statusEqual } from './status-equal.ts';
import { formatTime, parseTime } from './time.ts';
import { truncate } from './truncate.ts';

/** What one reconcile learnt, as the reconciler tells computeStatus. */
export type PollOutcome =
  /**
   * PAIFlow answered: `nodes` is the response, the tracked node (found by `nodeId`) and its
   * descendants. `detailMissing`: the node itself was observed but a second query for its
   * descendants (Type=Physical) failed; its reason and message. The descendants last observed are
   * kept then, and Synced says what is missing.
   */
  | {
      kind: 'observed';
      nodeId: string;
      nodes: readonly NodeStatus[];
      detailMissing?: { reason: string; message: string } | undefined;
    }
  /**
   * No answer. `reason` is a CamelCase word (Throttled, Unauthorized, Forbidden, NotFound,
   * InvalidParameter, ServerError, Timeout, NetworkError, BadResponse, CredentialsNotFound,
   * EndpointNotAllowed, InvalidSpec, ...); `message` is for humans and must hold no secret;
   * `permanent`: only a change of spec, Secret or permissions can fix it.
   */
  | { kind: 'failed'; reason: string; message: string; permanent: boolean }
  /** Not polled because `spec.suspend` is true. */
  | { kind: 'suspended' }
  /** Polled, but there is nothing to track yet (e.g. the run has not started: no root node). */
  | { kind: 'pending'; message: string }
  /**
   * The run ended without ever having a root node (it failed before scheduling, or was terminated
   * while queued): GetPipelineRun's final `status`, `finishedAt` and `message`. Tracked as the node's
   * phase, so the resource is finished like any other.
   */
  | { kind: 'runEnded'; status: string; finishedAt?: string | undefined; message?: string | undefined };

export interface ComputeStatusInput {
  /** The status as stored (absent on the first reconcile). */
  previous?: PipelineRunNodeStatus | undefined;
  /** `metadata.generation` of the object reconciled. */
  generation: number;
  spec: PipelineRunNodeSpec;
  outcome: PollOutcome;
  /** Epoch milliseconds. */
  now: number;
  /** The `paiflow.dev/reconcile-requested-at` annotation, when this reconcile handled it. */
  reconcileRequestedAt?: string | undefined;
  /** Overrides of DEFAULT_STATUS_LIMITS (checked by resolveStatusLimits). */
  limits?: Partial<StatusLimits> | undefined;
}

/** What Ready, Reconciling and Stalled say; they share one reason. */
interface State {
  ready: ConditionStatus;
  reconciling: boolean;
  stalled: boolean;
  reason: string;
  message: string;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `node "train" (node-1)`, or what spec names when nothing has been observed yet. */
function describe(observation: Observation, spec: PipelineRunNodeSpec): string {
  if (observation.nodeId !== undefined) return nodeLabel(observation.nodeId, observation.nodeName);
  return spec.nodeId === undefined
    ? `the root node of run ${spec.pipelineRunId}`
    : `node ${spec.nodeId} of run ${spec.pipelineRunId}`;
}

/** The state an observed phase means (the design's conditions table). */
function nodeState(observation: ObservedNode, spec: PipelineRunNodeSpec): State {
  const { phase, finishedAt } = observation;
  const who = capitalize(describe(observation, spec));
  const at = finishedAt === undefined ? '' : ` at ${finishedAt}`;
  switch (classifyPaiStatus(phase)) {
    case 'progressing':
      return isKnownPaiStatus(phase)
        ? {
            ready: 'Unknown',
            reconciling: true,
            stalled: false,
            reason: StateReason.Progressing,
            message: `${who} is ${phase}`,
          }
        : {
            ready: 'Unknown',
            reconciling: true,
            stalled: false,
            reason: StateReason.UnrecognizedStatus,
            message: `${who} has status "${phase}", which this controller does not recognize; polling continues`,
          };
    case 'succeeded':
      return {
        ready: 'True',
        reconciling: false,
        stalled: false,
        reason: StateReason.Succeeded,
        message: `${who} succeeded${at}`,
      };
    case 'skipped':
      return {
        ready: 'True',
        reconciling: false,
        stalled: false,
        reason: StateReason.Skipped,
        message: `${who} was skipped by PAI${at}: its branch was not taken, or a node it depends on did not succeed (that node reports its own failure)`,
      };
    case 'failed': {
      const reason = canonicalPaiStatus(phase) ?? StateReason.Failed;
      const what = reason === StateReason.Terminated ? `was terminated${at}` : `failed${at}`;
      const detail = failureDetail(
        errorText(observation.runtimeInfo, observation.runtimeInfoRaw),
        observation.children,
      );
      return {
        ready: 'False',
        reconciling: false,
        stalled: true,
        reason,
        message: `${who} ${what}${detail}`,
      };
    }
    case 'suspended':
      return {
        ready: 'False',
        reconciling: false,
        stalled: false,
        reason: StateReason.NodeSuspended,
        message: `${who} is suspended in PAI; it continues once resumed there`,
      };
  }
}

function hasPhase(observation: Observation): observation is ObservedNode {
  return observation.phase !== undefined;
}

/** "last successful poll recorded at T", or that there has been none. */
function lastGood(previous: PipelineRunNodeStatus | undefined): string {
  return previous?.lastSyncTime === undefined
    ? 'no successful poll recorded'
    : `last successful poll recorded at ${previous.lastSyncTime}`;
}

/**
 * A failure's message without what differs on every attempt of the same failure, which would
 * rewrite status on every failed poll: the `(RequestId ...)` PaiflowError messages end in, and the
 * string to sign that Alibaba's SignatureDoesNotMatch message quotes (it hashes the request's
 * date and nonce, so it is new on every attempt).
 */
function stableMessage(message: string): string {
  return message.replace(/\s*\(RequestId [^)]*\)/g, '').replace(/\s*server string to sign is:[^;]*/gi, '');
}

function failedState(
  outcome: { message: string; permanent: boolean },
  reason: string,
  observation: Observation,
  previous: PipelineRunNodeStatus | undefined,
  spec: PipelineRunNodeSpec,
): State {
  // A finished node's state is final: a failed re-poll (annotation) does not make it less true.
  if (hasPhase(observation) && isTerminal(observation.phase)) return nodeState(observation, spec);
  // The time of the last good observation is absolute, not an age, so that identical failures
  // compute an identical status and cause no writes.
  const last = hasPhase(observation)
    ? `last observed: ${describe(observation, spec)} was ${observation.phase} (${lastGood(previous)})`
    : `${describe(observation, spec)} not observed yet`;
  if (outcome.permanent) {
    return {
      ready: 'False',
      reconciling: false,
      stalled: true,
      reason,
      message: `Cannot poll PAIFlow (${reason}): ${outcome.message}; ${last}`,
    };
  }
  if (!hasPhase(observation)) {
    return {
      ready: 'Unknown',
      reconciling: true,
      stalled: false,
      reason,
      message: `${capitalize(last)}: polling is failing (${reason})`,
    };
  }
  const state = nodeState(observation, spec);
  return { ...state, message: `${state.message}; polling is failing (${reason}), ${lastGood(previous)}` };
}

function suspendedState(observation: Observation, spec: PipelineRunNodeSpec): State {
  if (hasPhase(observation) && isTerminal(observation.phase)) return nodeState(observation, spec);
  const last = hasPhase(observation)
    ? `last observed: ${describe(observation, spec)} was ${observation.phase}`
    : `${describe(observation, spec)} not observed yet`;
  return {
    ready: 'False',
    reconciling: false,
    stalled: false,
    reason: StateReason.Suspended,
    message: `Polling is suspended by spec.suspend; ${last}`,
  };
}

/** A run that ended before it had a root node: the run's status says how, with PAI's message. */
function runEndedState(
  outcome: Extract<PollOutcome, { kind: 'runEnded' }>,
  spec: PipelineRunNodeSpec,
): State {
  const run = truncate(spec.pipelineRunId, STATUS_BOUNDS.nodeIdLength);
  const state = nodeState({ phase: truncate(outcome.status, STATUS_BOUNDS.phaseLength), nodeId: '' }, spec);
  const at = outcome.finishedAt === undefined ? '' : ` at ${outcome.finishedAt}`;
  const said = outcome.message === undefined ? '' : `; PAI says: ${truncate(outcome.message, 300)}`;
  return {
    ...state,
    message: `Pipeline run ${run} ended ${outcome.status}${at} before it had a root node (it failed before it was scheduled, or was terminated while queued), so it has no node to track${said}`,
  };
}

/** The observation a run that ended without a root node leaves: its status and end time. */
function runEndedObservation(outcome: Extract<PollOutcome, { kind: 'runEnded' }>): Observation {
  return {
    phase: truncate(outcome.status, STATUS_BOUNDS.phaseLength),
    ...(outcome.finishedAt === undefined ? {} : { finishedAt: outcome.finishedAt }),
    progress: `${isTerminal(outcome.status) ? 1 : 0}/1`,
  };
}

/** An outcome with the tracked node picked out of the answer. */
type ResolvedOutcome =
  | {
      kind: 'observed';
      node: ObservedNode;
      detailMissing?: { reason: string; message: string };
      /** PAI's Status for the node was not a string (kept as JSON text in `phase`). */
      statusMalformed?: true;
    }
  | Exclude<PollOutcome, { kind: 'observed' }>;

/** The node as observed, with the descendants of `previous` instead of the ones just reported. */
function withPreviousDescendants(
  node: ObservedNode,
  previous: PipelineRunNodeStatus | undefined,
): ObservedNode {
  const { children: _c, childrenTotal: _t, childrenTruncated: _x, progress: _p, ...own } = node;
  const kept = previousObservation(previous);
  return {
    ...own,
    ...(kept.children === undefined ? {} : { children: kept.children }),
    ...(kept.childrenTotal === undefined ? {} : { childrenTotal: kept.childrenTotal }),
    ...(kept.childrenTruncated === undefined ? {} : { childrenTruncated: kept.childrenTruncated }),
    ...(kept.progress === undefined ? {} : { progress: kept.progress }),
  };
}

/** Finds the tracked node by ID; an answer without it is a transient failure (NodeNotReported). */
function resolveOutcome(
  outcome: PollOutcome,
  previous: PipelineRunNodeStatus | undefined,
  limits: StatusLimits,
): ResolvedOutcome {
  if (outcome.kind !== 'observed') return outcome;
  const tracked = outcome.nodes.find((node) => node.nodeId === outcome.nodeId);
  if (tracked !== undefined) {
    const node = observeNode(tracked, outcome.nodes, limits);
    const flags = tracked.statusMalformed === true ? { statusMalformed: true as const } : {};
    return outcome.detailMissing === undefined
      ? { kind: 'observed', node, ...flags }
      : {
          kind: 'observed',
          node: withPreviousDescendants(node, previous),
          detailMissing: outcome.detailMissing,
          ...flags,
        };
  }
  return {
    kind: 'failed',
    reason: SyncedReason.NodeNotReported,
    message: `PAIFlow answered without node ${truncate(outcome.nodeId, STATUS_BOUNDS.nodeIdLength)}`,
    permanent: false,
  };
}

type SyncedUpdate = Pick<Condition, 'status' | 'reason' | 'message'>;

const OURS: ReadonlySet<string> = new Set(CONDITION_TYPES);
const polled: SyncedUpdate = {
  status: 'True',
  reason: SyncedReason.Polled,
  message: 'The last poll of PAIFlow succeeded',
};
const notPolled: SyncedUpdate = {
  status: 'Unknown',
  reason: SyncedReason.NotPolled,
  message: 'Not polled: spec.suspend is true',
};

/** The state conditions and the Synced condition (undefined: leave Synced as it was) for an outcome. */
function decide(
  outcome: ResolvedOutcome,
  observation: Observation,
  previous: PipelineRunNodeStatus | undefined,
  spec: PipelineRunNodeSpec,
): { state: State; synced: SyncedUpdate | undefined } {
  switch (outcome.kind) {
    case 'observed': {
      if (outcome.statusMalformed === true) {
        // Shown, but not passed off as a good poll: PAI's answer broke its documented contract.
        return {
          state: nodeState(outcome.node, spec),
          synced: {
            status: 'False',
            reason: 'BadResponse',
            message: `PAIFlow reported the node's Status as ${outcome.node.phase}, which is not a status string; phase shows it as text until PAIFlow answers as documented`,
          },
        };
      }
      const missing = outcome.detailMissing;
      if (missing === undefined) return { state: nodeState(outcome.node, spec), synced: polled };
      const reason = conditionReason(missing.reason);
      return {
        state: nodeState(outcome.node, spec),
        synced: {
          status: 'True',
          reason: SyncedReason.DetailMissing,
          message: `The node was polled, but the query for its physical nodes failed (${reason}): ${stableMessage(missing.message)}; children show the physical nodes last observed`,
        },
      };
    }
    case 'pending':
      return {
        state: {
          ready: 'Unknown',
          reconciling: true,
          stalled: false,
          reason: StateReason.Pending,
          message: outcome.message,
        },
        synced: polled,
      };
    case 'runEnded':
      return { state: runEndedState(outcome, spec), synced: polled };
    case 'suspended':
      return { state: suspendedState(observation, spec), synced: undefined };
    case 'failed': {
      const reason = conditionReason(outcome.reason);
      const message = stableMessage(outcome.message);
      return {
        state: failedState({ message, permanent: outcome.permanent }, reason, observation, previous, spec),
        synced: {
          status: 'False',
          reason,
          message: `Polling PAIFlow failed (${reason}): ${message}`,
        },
      };
    }
  }
}

/**
 * `status.reason`, for the REASON printer column (printer columns are JSONPath only, which cannot
 * pick "the first condition that is not fine"): Stalled=True says most, then Synced=False (polling
 * fails, whatever the node's state), then Ready not True (still running, suspended, pending).
 */
function notFineReason(conditions: readonly Condition[]): string | undefined {
  const stalled = findCondition(conditions, 'Stalled');
  if (stalled?.status === 'True') return stalled.reason;
  const synced = findCondition(conditions, 'Synced');
  if (synced?.status === 'False') return synced.reason;
  const ready = findCondition(conditions, 'Ready');
  return ready !== undefined && ready.status !== 'True' ? ready.reason : undefined;
}

/**
 * The status a PipelineRunNode should have after one reconcile: a pure function of its inputs (time
 * comes in `now`), so the reconciler writes only when `statusEqual(previous, result)` is false.
 *
 * - An observation sets `phase` (PAI's status verbatim), the node's identity, times, RuntimeInfo,
 *   children and progress (see observeNode), and Ready/Reconciling/Stalled per the design table,
 *   sharing one StateReason. A response without the tracked node counts as a transient failure
 *   with reason NodeNotReported.
 * - Pending (no node to track yet): Ready=Unknown, Reconciling=True, Stalled=False, reason Pending,
 *   the outcome's message; any earlier observation is kept.
 * - `Synced` is True (reason Polled) after an answer, False with the failure's reason otherwise
 *   (a reason that is not a CamelCase word becomes PollFailed; `(RequestId ...)` is dropped from
 *   the message so that repeated identical failures compute an identical status).
 * - A failure keeps the last observation. Transient: Ready/Reconciling/Stalled stay as observed,
 *   Ready's message adding that polling fails and when the last good poll was recorded. Permanent:
 *   Stalled=True and Ready=False with the failure's reason, Reconciling=False, so kstatus reports
 *   Failed and Argo CD Degraded until someone fixes it. A finished node keeps its final conditions.
 * - `spec.suspend`: Ready=False, Reconciling=False, Stalled=False with reason Suspended (a finished
 *   node keeps its final conditions); Synced stays as it was (Unknown, NotPolled, if never polled).
 * - `lastSyncTime` moves to `now` after an answer only when something else changed or it is at least
 *   `syncRefreshIntervalMs` old, so polling a steady node computes a status equal to the previous.
 * - `reason` is the reason of the first condition that is not fine (see notFineReason).
 * - Conditions carry `observedGeneration`; `lastTransitionTime` moves only when a status flips.
 *
 * Throws only for invalid `limits`.
 */
export function computeStatus(input: ComputeStatusInput): PipelineRunNodeStatus {
  const { previous, generation, spec, now } = input;
  const limits = resolveStatusLimits(input.limits);
  const outcome = resolveOutcome(input.outcome, previous, limits);
  const observation =
    outcome.kind === 'observed'
      ? outcome.node
      : outcome.kind === 'runEnded'
        ? runEndedObservation(outcome)
        : previousObservation(previous);
  const { state, synced } = decide(outcome, observation, previous, spec);

  const generationOf = { observedGeneration: generation };
  let conditions = (previous?.conditions ?? []).filter((c) => OURS.has(c.type));
  const set = (type: string, status: ConditionStatus, reason: string, message: string): void => {
    conditions = setCondition(conditions, { type, status, reason, message, ...generationOf }, now);
  };
  const bool = (value: boolean): ConditionStatus => (value ? 'True' : 'False');
  set('Ready', state.ready, state.reason, state.message);
  set('Reconciling', bool(state.reconciling), state.reason, state.message);
  set('Stalled', bool(state.stalled), state.reason, state.message);
  const syncedNow = synced ?? findCondition(conditions, 'Synced') ?? notPolled;
  set('Synced', syncedNow.status, syncedNow.reason, syncedNow.message);

  const handled = input.reconcileRequestedAt ?? previous?.lastHandledReconcileAt;
  const reason = notFineReason(conditions);
  const next: PipelineRunNodeStatus = {
    observedGeneration: generation,
    ...observation,
    ...(reason === undefined ? {} : { reason }),
    ...(previous?.lastSyncTime === undefined ? {} : { lastSyncTime: previous.lastSyncTime }),
    ...(handled === undefined ? {} : { lastHandledReconcileAt: reconcileRequestEcho(handled) }),
    conditions,
  };
  const answered = outcome.kind === 'observed' || outcome.kind === 'pending' || outcome.kind === 'runEnded';
  const lastSync = parseTime(previous?.lastSyncTime);
  if (
    answered &&
    (lastSync === undefined || now - lastSync >= limits.syncRefreshIntervalMs || !statusEqual(next, previous))
  ) {
    next.lastSyncTime = formatTime(now);
  }
  return next;
}
