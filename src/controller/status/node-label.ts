/** How messages name a node: `node "train" (node-1)`, or `node node-1` when it has no name. */
export function nodeLabel(nodeId: string, nodeName: string | undefined): string {
  return nodeName === undefined || nodeName === '' ? `node ${nodeId}` : `node "${nodeName}" (${nodeId})`;
}
