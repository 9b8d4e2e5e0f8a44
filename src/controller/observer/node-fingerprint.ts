import type { NodeStatus } from '../../paiflow/types.ts';
import { isTerminal } from '../status/index.ts';

/**
 * What a batch answer can tell about a node (ListPipelineRunsStatus carries status and times, no
 * RuntimeInfo, no children), as one string: two equal fingerprints mean the batch saw no change.
 */
export function nodeFingerprint(node: Pick<NodeStatus, 'status' | 'startedAt' | 'finishedAt'>): string {
  return `${node.status}|${node.startedAt ?? ''}|${node.finishedAt ?? ''}`;
}

/**
 * The nodes of a detail answer worth batching for a resource: the tracked node, then its descendants
 * that have not finished (a finished node never changes again), in the answer's order, at most `max`
 * in all. Keyed by nodeId (the run is the resource's), valued by fingerprint.
 */
export function batchedNodes(
  trackedId: string,
  nodes: readonly NodeStatus[],
  max: number,
): Map<string, string> {
  const out = new Map<string, string>();
  const tracked = nodes.find((n) => n.nodeId === trackedId);
  if (tracked === undefined) return out;
  out.set(trackedId, nodeFingerprint(tracked));
  for (const node of nodes) {
    if (out.size >= max) break;
    if (!out.has(node.nodeId) && !isTerminal(node.status)) out.set(node.nodeId, nodeFingerprint(node));
  }
  return out;
}
