import type { Condition, PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { findCondition } from './conditions.ts';
import { nodeLabel } from './node-label.ts';
import { classifyPaiStatus } from './pai-status.ts';
import type { PaiStatusClass } from './pai-status.ts';
import { StateReason } from './reasons.ts';
import { parseTime } from './time.ts';
import { truncate } from './truncate.ts';

export type StatusEventReason =
  | 'Started'
  | 'Succeeded'
  | 'Failed'
  | 'Terminated'
  | 'Skipped'
  | 'NodeSuspended'
  | 'Suspended'
  | 'Resumed'
  | 'PollingFailing'
  | 'PollingRecovered';

/** A Kubernetes Event to emit about the resource. */
export interface StatusEvent {
  type: 'Normal' | 'Warning';
  reason: StatusEventReason;
  /** Bounded to 1024 characters (the events.k8s.io `note` limit). */
  message: string;
  /** How long the node ran, on the Events of a finished node that PAI gave both times for. */
  durationMs?: number;
}

const MAX_EVENT_MESSAGE = 1024;

/** `1h2m3s`, `45s`, `0s`: Go's duration style, to whole seconds. */
function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

function phaseClass(status: PipelineRunNodeStatus | undefined): PaiStatusClass | undefined {
  return status?.phase === undefined ? undefined : classifyPaiStatus(status.phase);
}

function ranFor(status: PipelineRunNodeStatus): number | undefined {
  const started = parseTime(status.startedAt);
  const finished = parseTime(status.finishedAt);
  return started === undefined || finished === undefined ? undefined : finished - started;
}

function took(durationMs: number | undefined): string {
  return durationMs === undefined ? '' : ` (ran ${formatDuration(durationMs)})`;
}

function readyMessage(status: PipelineRunNodeStatus): string {
  return findCondition(status.conditions, 'Ready')?.message ?? '';
}

function isSuspendedBySpec(ready: Condition | undefined): boolean {
  return ready?.reason === StateReason.Suspended;
}

/**
 * The Events a status change deserves, computed from the two statuses alone: the node started,
 * succeeded, failed (or was terminated), was skipped (a Normal Event: skipping is not a failure) or
 * was suspended in PAI; polling was suspended or
 * resumed by spec.suspend; polling started failing (or fails for a new reason) or recovered.
 * Node Events carry the Ready condition's reason (Succeeded, Failed, Terminated, Skipped,
 * NodeSuspended, Suspended); Started, Resumed, PollingFailing and PollingRecovered name changes that
 * no single condition reason describes.
 * Because only persisted state is compared, a controller restart (previous = the stored status)
 * emits nothing twice, and repeated identical failures emit one Event, not one per poll.
 */
export function transitions(
  previous: PipelineRunNodeStatus | undefined,
  next: PipelineRunNodeStatus,
): StatusEvent[] {
  const events: StatusEvent[] = [];
  const emit = (
    type: StatusEvent['type'],
    reason: StatusEventReason,
    message: string,
    durationMs?: number,
  ): void => {
    events.push({
      type,
      reason,
      message: truncate(message, MAX_EVENT_MESSAGE),
      ...(durationMs !== undefined && { durationMs }),
    });
  };

  const wasSuspended = isSuspendedBySpec(findCondition(previous?.conditions, 'Ready'));
  const isSuspended = isSuspendedBySpec(findCondition(next.conditions, 'Ready'));
  if (isSuspended && !wasSuspended) emit('Normal', 'Suspended', readyMessage(next));
  if (wasSuspended && !isSuspended)
    emit('Normal', 'Resumed', 'Polling resumed: spec.suspend is no longer true');

  const before = phaseClass(previous);
  const after = phaseClass(next);
  if (next.nodeId !== undefined && after !== undefined) {
    const who = nodeLabel(next.nodeId, next.nodeName);
    if (after === 'progressing' && next.startedAt !== undefined && previous?.startedAt === undefined) {
      emit('Normal', 'Started', `PAI started ${who} at ${next.startedAt}`);
    }
    if (after !== before) {
      const ran = ranFor(next);
      if (after === 'succeeded') emit('Normal', 'Succeeded', `${readyMessage(next)}${took(ran)}`, ran);
      if (after === 'failed') {
        // The Ready condition's own reason: Failed, or Terminated when a user stopped the node.
        const reason =
          findCondition(next.conditions, 'Ready')?.reason === 'Terminated' ? 'Terminated' : 'Failed';
        emit('Warning', reason, `${readyMessage(next)}${took(ran)}`, ran);
      }
      if (after === 'skipped') emit('Normal', 'Skipped', readyMessage(next));
      if (after === 'suspended') emit('Normal', 'NodeSuspended', readyMessage(next));
    }
  }

  const wasSynced = findCondition(previous?.conditions, 'Synced');
  const synced = findCondition(next.conditions, 'Synced');
  if (synced?.status === 'False' && (wasSynced?.status !== 'False' || wasSynced.reason !== synced.reason)) {
    emit('Warning', 'PollingFailing', synced.message);
  }
  if (synced?.status === 'True' && wasSynced?.status === 'False') {
    emit('Normal', 'PollingRecovered', `Polling PAIFlow works again after failing (${wasSynced.reason})`);
  }
  return events;
}

/**
 * The Stalled condition when this change made it True for a reason other than the node's own
 * failure (which its Failed or Terminated Event already reports): a problem only a change of spec,
 * Secret or permissions can fix. Undefined otherwise; like {@link transitions}, once per change.
 */
export function becameStalled(
  previous: PipelineRunNodeStatus | undefined,
  next: PipelineRunNodeStatus,
): Condition | undefined {
  const stalled = findCondition(next.conditions, 'Stalled');
  if (stalled?.status !== 'True' || phaseClass(next) === 'failed') return undefined;
  const before = findCondition(previous?.conditions, 'Stalled');
  return before?.status === 'True' && before.reason === stalled.reason ? undefined : stalled;
}
