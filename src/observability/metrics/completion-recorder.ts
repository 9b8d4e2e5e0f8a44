import type { PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { canonicalPaiStatus, isTerminal } from '../../controller/status/index.ts';
import type { CompletionStatus } from './label-values.ts';
import type { MetricHandles } from './metrics.ts';

/**
 * Observes node completions: `paiflow_node_completions_total` and `paiflow_node_duration_seconds`,
 * by namespace and final status.
 */
export interface CompletionRecorder {
  /**
   * Call after a status write succeeded, with the status the write replaced (`previous`, as stored)
   * and the one written (`next`). Counts a completion when `next` is finished (Succeeded, Failed,
   * Terminated, Skipped) and `previous` was not; observes `finishedAt - startedAt` with it when both
   * times are known (a skipped node never started, so it has no duration).
   *
   * Exactly once per node: since only the stored status is compared, a retried write, a repeated
   * reconcile or a restarted controller (whose `previous` is the stored, already finished status)
   * counts nothing twice. A finished node re-polled into another final status is not counted again.
   */
  recordTransition(
    namespace: string,
    previous: PipelineRunNodeStatus | undefined,
    next: PipelineRunNodeStatus,
  ): void;
}

export function completionRecorder(
  handles: Pick<MetricHandles, 'nodeCompletions' | 'nodeDuration' | 'initNamespace'>,
): CompletionRecorder {
  return {
    recordTransition(namespace, previous, next) {
      if (next.phase === undefined || !isTerminal(next.phase)) return;
      if (previous?.phase !== undefined && isTerminal(previous.phase)) return;
      // A terminal status is a known one, so it has a canonical spelling among COMPLETION_STATUSES.
      const status = canonicalPaiStatus(next.phase) as CompletionStatus;
      handles.initNamespace(namespace);
      handles.nodeCompletions.inc({ namespace, status });
      const started = Date.parse(next.startedAt ?? '');
      const finished = Date.parse(next.finishedAt ?? '');
      if (Number.isFinite(started) && Number.isFinite(finished) && finished >= started) {
        handles.nodeDuration.observe({ namespace, status }, (finished - started) / 1000);
      }
    },
  };
}
