import { RECONCILE_ANNOTATION, type PipelineRunNode } from '../api/v1alpha1.ts';
import { isReconcileRequestPending } from './status/index.ts';

/**
 * Whether a user is waiting for this resource: it is new or its spec was edited (its status does not
 * answer its generation yet), or it carries a reconcile request not handled yet. Such work goes
 * ahead of routine polls, in the work queue and in PAIFlow calls; after a restart, resources whose
 * status answers their spec are routine.
 */
export function isUserCaused(resource: PipelineRunNode): boolean {
  const { metadata, status } = resource;
  return (
    status?.observedGeneration !== (metadata.generation ?? 0) ||
    isReconcileRequestPending(metadata.annotations?.[RECONCILE_ANNOTATION], status)
  );
}
