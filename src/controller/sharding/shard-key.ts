import type { PipelineRunNode } from '../../api/v1alpha1.ts';

/**
 * The key a PipelineRunNode is sharded by: its PAI run (`spec.pipelineRunId`). Every resource
 * tracking nodes of one run lands on one replica, so the observer still polls them side by side in
 * one round and asks for shared nodes once; different runs spread evenly. The run ID is immutable
 * (CEL), so a resource never changes owner through an edit of its own: it moves only when the ring
 * does. The credentials are left out on purpose: they are mutable (a moved Secret reference would
 * move the resource between two replicas' informers without a handover), and one run's resources
 * share them in practice, so adding them would split nothing the batches keep together.
 */
export function shardKey(resource: Pick<PipelineRunNode, 'spec'>): string {
  return resource.spec.pipelineRunId;
}
