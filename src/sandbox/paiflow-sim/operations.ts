import { apiErrors } from './api-error.ts';
import type { RunBook, RunEntry } from './run-book.ts';
import { findNode, runViewAt, type NodeView, type RunView } from './status-model.ts';

/**
 * The PAIFlow operations the simulator serves, as functions from (runs, scenario time, request) to
 * the response body (without RequestId, which the server adds). Shapes follow paiflow-api.md and
 * the generated PAIFlow SDK models: PascalCase fields, RuntimeInfo as a JSON-encoded string,
 * StartedAt/FinishedAt ISO 8601 UTC with milliseconds.
 *
 * Choices where the real API is UNCONFIRMED:
 * - Depth defaults to 1 (the node alone); any integer >= 1 is accepted. Nodes are listed depth-first,
 *   the queried node first.
 * - Type=Physical returns the physical nodes of every logical node Depth selects (only leaves have any).
 * - A shared run (shareToken) answers 403 `Forbidden.RAM` unless TokenId equals its token; a TokenId
 *   sent for an unshared run is ignored.
 * - Before a run starts its root node does not exist: GetPipelineRun shows NodeId "" and a query for
 *   the root node answers 404. A run that ends queued (`endsQueued`) keeps NodeId "" for good, with a
 *   final Status and FinishedAt.
 * - ListPipelineRunsStatus takes at most `batchLimit` entries (default 100) in each of Nodes and
 *   PipelineRuns (400 InvalidParameter naming the list beyond), answers every node it reports with
 *   `IsDeleted: false` and no RuntimeInfo, and silently leaves out runs and nodes the caller cannot see
 *   (unknown or deleted, shared, not started). With `batchLimit` 0 the action is not served at all
 *   (404 InvalidAction.NotFound, as for a service without it): the case a controller must fall back from.
 */
export const OPERATIONS = ['ListPipelineRunNodeStatus', 'GetPipelineRun', 'ListPipelineRunsStatus'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Entries per list of a ListPipelineRunsStatus call, unless configured otherwise (*chosen*). */
export const BATCH_LIMIT = 100;

export interface Route {
  operation: Operation;
  runId?: string;
  nodeId?: string;
}

/** Maps a method and decoded path segments (`['', 'api', 'v1', ...]`) to an operation. */
export function matchRoute(method: string, segments: readonly string[]): Route | undefined {
  const [empty, api, v1, collection, runId, nodes, nodeId, status, ...rest] = segments;
  if (empty !== '' || api !== 'api' || v1 !== 'v1' || collection !== 'pipelineruns' || rest.length > 0)
    return undefined;
  if (method === 'PUT' && runId === undefined) return { operation: 'ListPipelineRunsStatus' };
  if (method !== 'GET' || runId === undefined) return undefined;
  if (nodes === undefined) return { operation: 'GetPipelineRun', runId };
  if (nodes === 'nodes' && nodeId !== undefined && status === 'status') {
    return { operation: 'ListPipelineRunNodeStatus', runId, nodeId };
  }
  return undefined;
}

/** How scenario times are shown (see scenario-clock.ts). */
export interface OperationContext {
  runs: RunBook;
  /** Scenario time of this request. */
  nowMs: number;
  /** Scenario ms → ISO 8601 UTC with milliseconds. */
  timestamp: (scenarioMs: number) => string;
  /** Scenario ms → whole wall seconds (GetPipelineRun's Duration). */
  seconds: (scenarioMs: number) => number;
}

type Body = Record<string, unknown>;

function times(ctx: OperationContext, view: NodeView): Body {
  const show = (ms: number | undefined): string | undefined =>
    ms !== undefined ? ctx.timestamp(ms) : ctx.runs.settings.unsetTimes === 'empty' ? '' : undefined;
  const started = show(view.startedAtMs);
  const finished = show(view.finishedAtMs);
  return {
    ...(started !== undefined && { StartedAt: started }),
    ...(finished !== undefined && { FinishedAt: finished }),
  };
}

function nodeStatus(ctx: OperationContext, view: NodeView): Body {
  return {
    NodeId: view.id,
    NodeName: view.name,
    Status: view.status,
    ...times(ctx, view),
    RuntimeInfo: view.runtimeInfo,
  };
}

function visible(entry: RunEntry, tokenId: string | undefined): boolean {
  return entry.spec.shareToken === undefined || tokenId === entry.spec.shareToken;
}

function runFor(
  ctx: OperationContext,
  runId: string | undefined,
  tokenId: string | undefined,
): { entry: RunEntry; view: RunView } {
  if (!runId) throw apiErrors.missingParameter('PipelineRunId');
  const entry = ctx.runs.get(runId);
  if (!entry) throw apiErrors.pipelineRunNotFound(runId);
  if (!visible(entry, tokenId)) throw apiErrors.shareTokenRequired(runId);
  return { entry, view: runViewAt(entry.timeline, ctx.nowMs) };
}

function existingNode(view: RunView, nodeId: string): NodeView | undefined {
  const node = findNode(view.root, nodeId);
  return node && (view.started || node !== view.root) ? node : undefined;
}

function depthFirst(node: NodeView, depth: number): NodeView[] {
  return depth <= 1 ? [node] : [node, ...node.children.flatMap((c) => depthFirst(c, depth - 1))];
}

/** GET /api/v1/pipelineruns/{PipelineRunId}/nodes/{NodeId}/status?Depth=&Type=&TokenId= */
export function listPipelineRunNodeStatus(
  ctx: OperationContext,
  route: Route,
  query: Readonly<Record<string, string>>,
): Body {
  if (!route.runId) throw apiErrors.missingParameter('PipelineRunId');
  if (!route.nodeId) throw apiErrors.missingParameter('NodeId');
  const depthText = query.Depth;
  if (depthText !== undefined && !/^[1-9]\d*$/.test(depthText)) {
    throw apiErrors.invalidParameter('Depth', `expected an integer >= 1, got "${depthText}".`);
  }
  const type = query.Type ?? 'Logical';
  if (type !== 'Logical' && type !== 'Physical') {
    throw apiErrors.invalidParameter('Type', `expected Logical or Physical, got "${type}".`);
  }
  const { view } = runFor(ctx, route.runId, query.TokenId);
  const node = existingNode(view, route.nodeId);
  if (!node) throw apiErrors.nodeNotFound(route.runId, route.nodeId);
  const selected = depthFirst(node, depthText === undefined ? 1 : Number(depthText));
  const listed = type === 'Physical' ? selected.flatMap((n) => n.physical) : selected;
  return { Status: listed.map((n) => nodeStatus(ctx, n)) };
}

/** GET /api/v1/pipelineruns/{PipelineRunId}?TokenId= */
export function getPipelineRun(
  ctx: OperationContext,
  route: Route,
  query: Readonly<Record<string, string>>,
): Body {
  const { entry, view } = runFor(ctx, route.runId, query.TokenId);
  const { spec } = entry;
  const root = view.root;
  const rootTimes = view.started
    ? times(ctx, root)
    : times(ctx, { ...root, startedAtMs: undefined, finishedAtMs: view.endedAtMs });
  const lastChange =
    (view.started ? (root.finishedAtMs ?? root.startedAtMs) : view.endedAtMs) ?? entry.createdAtMs;
  return {
    PipelineRunId: spec.id,
    Name: spec.name,
    Status: view.status,
    NodeId: view.started ? spec.rootNodeId : '',
    ...rootTimes,
    ...(view.started &&
      root.startedAtMs !== undefined && {
        Duration: ctx.seconds((root.finishedAtMs ?? ctx.nowMs) - root.startedAtMs),
      }),
    GmtCreateTime: ctx.timestamp(entry.createdAtMs),
    GmtModifiedTime: ctx.timestamp(lastChange),
    Accessibility: 'PRIVATE',
    ...(spec.workspaceId !== undefined && { WorkspaceId: spec.workspaceId }),
    ...(spec.pipelineId !== undefined && { PipelineId: spec.pipelineId }),
    ...(view.status === 'Failed' && {
      Message: view.started
        ? 'One or more nodes of the pipeline run failed.'
        : 'The pipeline run failed before it was scheduled.',
    }),
  };
}

interface BatchRequest {
  nodes: { runId: string; nodeId: string }[];
  runIds: string[];
}

/** Reads a batch body leniently (for counting and fault matching); undefined when it is not one. */
export function readBatch(body: Buffer): BatchRequest | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { Nodes: nodes = [], PipelineRuns: runs = [] } = parsed as Body;
  if (!Array.isArray(nodes) || !Array.isArray(runs)) return undefined;
  const pairs = nodes.map((n: unknown) => {
    const { PipelineRunId: runId, NodeId: nodeId } = (n ?? {}) as Body;
    return typeof runId === 'string' && typeof nodeId === 'string' ? { runId, nodeId } : undefined;
  });
  if (pairs.includes(undefined) || !runs.every((r: unknown) => typeof r === 'string')) return undefined;
  return { nodes: pairs.filter((p) => p !== undefined), runIds: runs };
}

/** PUT /api/v1/pipelineruns with `{"Nodes":[{PipelineRunId,NodeId}],"PipelineRuns":[ids]}` */
export function listPipelineRunsStatus(ctx: OperationContext, body: Buffer, batchLimit: number): Body {
  if (batchLimit === 0) throw apiErrors.invalidAction('PUT', '/api/v1/pipelineruns');
  const batch = readBatch(body);
  if (!batch) {
    throw apiErrors.invalidParameter(
      'body',
      'expected JSON {"Nodes":[{"PipelineRunId":"...","NodeId":"..."}],"PipelineRuns":["..."]}.',
    );
  }
  if (batch.nodes.length === 0 && batch.runIds.length === 0) throw apiErrors.missingParameter('Nodes');
  for (const [name, size] of [
    ['Nodes', batch.nodes.length],
    ['PipelineRuns', batch.runIds.length],
  ] as const) {
    if (size > batchLimit)
      throw apiErrors.invalidParameter(name, `at most ${batchLimit} entries, got ${size}.`);
  }
  const viewOf = (runId: string): { entry: RunEntry; view: RunView } | undefined => {
    const entry = ctx.runs.get(runId);
    return entry && visible(entry, undefined)
      ? { entry, view: runViewAt(entry.timeline, ctx.nowMs) }
      : undefined;
  };
  return {
    PipelineRuns: batch.runIds.flatMap((runId) => {
      const found = viewOf(runId);
      if (!found) return [];
      const { entry, view } = found;
      return [
        {
          PipelineRunId: runId,
          Name: entry.spec.name,
          Status: view.status,
          NodeId: view.started ? entry.spec.rootNodeId : '',
          IsDeleted: false,
        },
      ];
    }),
    Nodes: batch.nodes.flatMap(({ runId, nodeId }) => {
      const found = viewOf(runId);
      const node = found && existingNode(found.view, nodeId);
      return node
        ? [
            {
              PipelineRunId: runId,
              NodeId: node.id,
              NodeName: node.name,
              Status: node.status,
              ...times(ctx, node),
              IsDeleted: false,
            },
          ]
        : [];
    }),
  };
}
