import type { Logger } from 'pino';
import type { Condition } from '../../api/v1alpha1.ts';
import type { StatusEvent, StatusEventReason } from '../status/index.ts';

/**
 * The log message of each Event reason: fixed text to search for, the details in fields.
 * docs/logging.md lists them; keep the two together.
 */
const MESSAGES: Record<StatusEventReason, string> = {
  Started: 'node started',
  Succeeded: 'node succeeded',
  Failed: 'node failed',
  Terminated: 'node terminated',
  Skipped: 'node skipped',
  NodeSuspended: 'node suspended in PAI',
  Suspended: 'polling suspended by spec.suspend',
  Resumed: 'polling resumed',
  PollingFailing: 'polling PAIFlow failing',
  PollingRecovered: 'polling PAIFlow recovered',
};

/**
 * One log line for an Event the reconciler emitted: at info, or warn for a Warning Event. The
 * Events come from persisted state changes (transitions), so each fact is logged once, not on
 * every poll. `log` carries the resource's namespace and name.
 */
export function logTransition(log: Logger, event: StatusEvent, nodeId: string | undefined): void {
  const fields = {
    event: event.reason,
    nodeId,
    ...(event.durationMs !== undefined && { durationMs: event.durationMs }),
    detail: event.message,
  };
  if (event.type === 'Warning') log.warn(fields, MESSAGES[event.reason]);
  else log.info(fields, MESSAGES[event.reason]);
}

/** The line for a resource given up on until something changes (see becameStalled). */
export function logStalled(log: Logger, stalled: Condition, retryMs: number): void {
  log.warn(
    { reason: stalled.reason, retryAfterMs: retryMs, detail: stalled.message },
    'resource stalled: retried only rarely until its spec, Secret or permissions change',
  );
}
