import { STATUS_BOUNDS } from '../../api/v1alpha1.ts';
import type { ChildNodeStatus, PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import type { JsonValue, NodeStatus } from '../../paiflow/types.ts';
import { errorText } from './failure-detail.ts';
import type { StatusLimits } from './limits.ts';
import { classifyPaiStatus, isTerminal } from './pai-status.ts';
import { parseTime } from './time.ts';
import { truncate } from './truncate.ts';

/** The status fields that describe what PAI reported, as opposed to how polling went. */
export type Observation = Pick<
  PipelineRunNodeStatus,
  | 'phase'
  | 'nodeId'
  | 'nodeName'
  | 'startedAt'
  | 'finishedAt'
  | 'runtimeInfo'
  | 'runtimeInfoRaw'
  | 'children'
  | 'childrenTotal'
  | 'childrenTruncated'
  | 'progress'
>;

/** An observation made now: it always knows the node and its phase. */
export type ObservedNode = Observation & { phase: string; nodeId: string };

const OBSERVATION_FIELDS = [
  'phase',
  'nodeId',
  'nodeName',
  'startedAt',
  'finishedAt',
  'runtimeInfo',
  'runtimeInfoRaw',
  'children',
  'childrenTotal',
  'childrenTruncated',
  'progress',
] as const satisfies readonly (keyof Observation)[];

/** The observation a status already carries: what a poll that learnt nothing new keeps. */
export function previousObservation(status: PipelineRunNodeStatus | undefined): Observation {
  const out: Record<string, unknown> = {};
  for (const field of OBSERVATION_FIELDS) {
    if (status?.[field] !== undefined) out[field] = status[field];
  }
  return out;
}

function stringify(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function runtimeInfoMap(
  parsed: Record<string, JsonValue>,
  limits: StatusLimits,
): Record<string, string> | undefined {
  // A Map, not an object: a key named `constructor` or `__proto__` is a key like any other.
  const out = new Map<string, string>();
  // Sorted by UTF-16 code units, not locale: the same map must give the same status everywhere.
  for (const key of Object.keys(parsed).sort()) {
    if (out.size >= limits.maxRuntimeInfoKeys) break;
    const bounded = truncate(key, STATUS_BOUNDS.runtimeInfoKeyLength);
    const value = parsed[key];
    if (out.has(bounded) || value === undefined) continue;
    out.set(bounded, truncate(stringify(value), limits.maxRuntimeInfoValueLength));
  }
  // fromEntries defines own properties, so even `__proto__` stays data.
  return out.size === 0 ? undefined : Object.fromEntries(out);
}

function child(node: NodeStatus): ChildNodeStatus {
  const message =
    classifyPaiStatus(node.status) === 'failed'
      ? errorText(node.runtimeInfo.parsed, node.runtimeInfo.raw, STATUS_BOUNDS.childMessageLength)
      : undefined;
  return {
    nodeId: truncate(node.nodeId, STATUS_BOUNDS.nodeIdLength),
    ...(node.nodeName === '' ? {} : { nodeName: truncate(node.nodeName, STATUS_BOUNDS.nodeNameLength) }),
    status: truncate(node.status, STATUS_BOUNDS.phaseLength),
    ...(node.startedAt === undefined ? {} : { startedAt: node.startedAt }),
    ...(node.finishedAt === undefined ? {} : { finishedAt: node.finishedAt }),
    ...(message === undefined ? {} : { message }),
  };
}

/**
 * Children in a stable order whatever order PAI answers in (undocumented, so it may vary and would
 * otherwise rewrite status): started nodes by start time, then nodes not started yet; ties by nodeId.
 */
function byStartThenId(a: NodeStatus, b: NodeStatus): number {
  const sa = parseTime(a.startedAt) ?? Infinity;
  const sb = parseTime(b.startedAt) ?? Infinity;
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}

/**
 * The status fields for `tracked`, given every node of the answer (the tracked one among them; the
 * others are its descendants down to the requested depth). Lenient: missing times stay absent,
 * RuntimeInfo that is not a JSON object is kept raw, duplicate node IDs count once (first wins).
 * Bounded by `limits` and STATUS_BOUNDS.
 */
export function observeNode(
  tracked: NodeStatus,
  nodes: readonly NodeStatus[],
  limits: StatusLimits,
): ObservedNode {
  const seen = new Set([tracked.nodeId]);
  const descendants: NodeStatus[] = [];
  for (const node of nodes) {
    if (seen.has(node.nodeId)) continue;
    seen.add(node.nodeId);
    descendants.push(node);
  }
  const sorted = descendants.toSorted(byStartThenId);
  const skipped = descendants.filter((node) => classifyPaiStatus(node.status) === 'skipped').length;
  const finished = descendants.filter((node) => isTerminal(node.status)).length - skipped;
  const { parsed, raw } = tracked.runtimeInfo;
  const runtimeInfo = parsed === undefined ? undefined : runtimeInfoMap(parsed, limits);
  const children = sorted.slice(0, limits.maxChildren).map(child);
  return {
    phase: truncate(tracked.status, STATUS_BOUNDS.phaseLength),
    nodeId: truncate(tracked.nodeId, STATUS_BOUNDS.nodeIdLength),
    ...(tracked.nodeName === ''
      ? {}
      : { nodeName: truncate(tracked.nodeName, STATUS_BOUNDS.nodeNameLength) }),
    ...(tracked.startedAt === undefined ? {} : { startedAt: tracked.startedAt }),
    ...(tracked.finishedAt === undefined ? {} : { finishedAt: tracked.finishedAt }),
    ...(runtimeInfo === undefined ? {} : { runtimeInfo }),
    ...(parsed === undefined && raw.trim() !== ''
      ? { runtimeInfoRaw: truncate(raw, limits.maxRuntimeInfoRawLength) }
      : {}),
    ...(children.length === 0 ? {} : { children }),
    childrenTotal: descendants.length,
    childrenTruncated: descendants.length > children.length,
    // A node without descendants counts itself, so a single-step run still shows 0/1 then 1/1.
    // Skipped children are counted apart: a branch not taken is neither done work nor a failure.
    progress:
      descendants.length === 0
        ? `${isTerminal(tracked.status) ? 1 : 0}/1`
        : `${finished}/${descendants.length}${skipped === 0 ? '' : `, ${skipped} skipped`}`,
  };
}
