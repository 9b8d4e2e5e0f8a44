import { STATUS_BOUNDS } from '../../api/v1alpha1.ts';
import type { PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { truncate } from './truncate.ts';

/**
 * What `status.lastHandledReconcileAt` records for an annotation value: the value itself, cut to the
 * CRD's bound. (Two requests differing only beyond 256 characters therefore count as one.)
 */
export function reconcileRequestEcho(requestedAt: string): string {
  return truncate(requestedAt, STATUS_BOUNDS.reconcileRequestLength);
}

/**
 * Whether the `paiflow.dev/reconcile-requested-at` annotation asks for a poll not yet handled: it is
 * set and status does not echo it yet. The reconciler then polls once, even a finished node.
 */
export function isReconcileRequestPending(
  requestedAt: string | undefined,
  status: PipelineRunNodeStatus | undefined,
): boolean {
  return requestedAt !== undefined && reconcileRequestEcho(requestedAt) !== status?.lastHandledReconcileAt;
}
