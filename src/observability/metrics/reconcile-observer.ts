import type { ControllerObserver } from '../../controller/controller.ts';
import type { MetricHandles } from './metrics.ts';

/**
 * The controller_runtime_* metrics of one controller, fed by its workers, with controller-runtime's
 * meaning: every reconcile counts once in `reconcile_total` by result and in `reconcile_time_seconds`;
 * a panic (a thrown non-Error) counts as `result="error"`, in `reconcile_errors_total` and in
 * `reconcile_panics_total`.
 */
export function reconcileObserver(
  handles: Pick<
    MetricHandles,
    'reconcileTotal' | 'reconcileErrors' | 'reconcilePanics' | 'reconcileTime' | 'activeWorkers'
  >,
  controller: string,
): ControllerObserver {
  const labels = { controller };
  return {
    reconciled({ outcome, durationMs }) {
      const result = outcome === 'panic' ? 'error' : outcome;
      handles.reconcileTotal.inc({ controller, result });
      if (result === 'error') handles.reconcileErrors.inc(labels);
      if (outcome === 'panic') handles.reconcilePanics.inc(labels);
      handles.reconcileTime.observe(labels, Math.max(0, durationMs) / 1000);
    },
    activeWorkers(count) {
      handles.activeWorkers.set(labels, count);
    },
  };
}
