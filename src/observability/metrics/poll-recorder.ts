import type { PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { findCondition } from '../../controller/status/index.ts';
import type { MetricHandles } from './metrics.ts';

/** Observes polls: `paiflow_poll_errors_total` and `paiflow_poll_retries_total`, by namespace. */
export interface PollRecorder {
  /**
   * Call once per poll of PAIFlow (not for a suspended resource, which is not polled), with the
   * stored status (`previous`) and the status computed from the poll (`next`), whether or not it is
   * then written. A poll that left Synced=False counts as an error with Synced's reason (a bounded
   * CamelCase word); a poll made while the stored Synced was False counts as a retry.
   */
  recordPoll(
    namespace: string,
    previous: PipelineRunNodeStatus | undefined,
    next: PipelineRunNodeStatus,
  ): void;
}

export function pollRecorder(
  handles: Pick<MetricHandles, 'pollErrors' | 'pollRetries' | 'initNamespace'>,
): PollRecorder {
  return {
    recordPoll(namespace, previous, next) {
      handles.initNamespace(namespace);
      if (findCondition(previous?.conditions, 'Synced')?.status === 'False') {
        handles.pollRetries.inc({ namespace });
      }
      const synced = findCondition(next.conditions, 'Synced');
      if (synced?.status === 'False') handles.pollErrors.inc({ namespace, reason: synced.reason });
    },
  };
}
