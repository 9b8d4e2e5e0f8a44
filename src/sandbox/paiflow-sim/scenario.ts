import { isNode, LineCounter, parseDocument } from 'yaml';
import { parseDurationMs } from '../../util/duration.ts';

/**
 * The scenario a PAIFlow simulator plays: pipeline runs whose nodes form DAGs, each node with a
 * duration and an outcome. This file owns the validated shape and its validation; the status of a
 * node at an instant is computed in status-model.ts.
 *
 * Schema (YAML file, or JSON on the admin API; all durations Go-style strings such as `30s`, `5m`, `1h30m`):
 *
 * ```yaml
 * settings:                  # optional
 *   readyToSchedule: 1s      # how long a node stays ReadyToSchedule (default 1s)
 *   starting: 2s             # then Starting (default 2s), then Running for `duration`
 *   terminating: 2s          # Terminating before Terminated (default 2s)
 *   unsetTimes: absent       # absent (default) | empty: how StartedAt/FinishedAt look before they are known
 * runs:
 *   - id: flow-abc           # PipelineRunId (unique)
 *     name: nightly          # default: the id
 *     rootNodeId: node-root  # the virtual root node; default `<id>-root`
 *     startAfter: 10s        # offset from the run's creation (scenario start, or when added by the admin API)
 *     endsQueued: fail       # optional: fail | terminate: at startAfter the run ends without ever
 *                            # starting (no root node), as a run that fails before scheduling does
 *     shareToken: s3cret     # optional: callers must pass TokenId equal to it
 *     workspaceId: "1234"    # optional, echoed by GetPipelineRun
 *     pipelineId: pipeline-x # optional, echoed by GetPipelineRun
 *     nodes:                 # the run's top-level DAG (at least one node)
 *       - id: node-a
 *         name: data-source                 # default: the id
 *         dependsOn: []                     # sibling ids
 *         duration: 30s                     # time spent Running (required for a leaf)
 *         outcome: succeed                  # succeed (default) | fail | terminate | suspend | skip
 *                                           # (skip: a condition that evaluates false; PAI skips the
 *                                           # node and everything downstream once it is ready)
 *         runtimeInfo: {KEY: value}         # map (emitted as a JSON string) or a raw string; default {}
 *         physical: [{id: p-1, name: worker-0, duration: 20s}]   # what Type=Physical returns
 *       - id: node-b
 *         dependsOn: [node-a]
 *         children: [...]                   # a sub-pipeline: same node schema; its status is aggregated
 * ```
 */

export type Outcome = 'succeed' | 'fail' | 'terminate' | 'suspend' | 'skip';
export const OUTCOMES: readonly Outcome[] = ['succeed', 'fail', 'terminate', 'suspend', 'skip'];

/** How a run can end before it ever starts (it then never has a root node). */
export type QueuedOutcome = 'fail' | 'terminate';
const QUEUED_OUTCOMES: readonly QueuedOutcome[] = ['fail', 'terminate'];

export interface PhysicalNodeSpec {
  id: string;
  name: string;
  /** Running time; undefined means "as long as its logical node runs". */
  durationMs: number | undefined;
}

export interface NodeSpec {
  id: string;
  name: string;
  dependsOn: string[];
  /** Running time of a leaf; 0 for a node with children (its time comes from them). */
  durationMs: number;
  outcome: Outcome;
  /** The RuntimeInfo string exactly as the API emits it once the node has started. */
  runtimeInfo: string;
  physical: PhysicalNodeSpec[];
  children: NodeSpec[];
}

export interface RunSpec {
  id: string;
  name: string;
  rootNodeId: string;
  shareToken: string | undefined;
  startAfterMs: number;
  /** Set: at `startAfterMs` the run ends Failed/Terminated instead of starting. */
  endsQueued: QueuedOutcome | undefined;
  workspaceId: string | undefined;
  pipelineId: string | undefined;
  nodes: NodeSpec[];
}

export interface ScenarioSettings {
  readyToScheduleMs: number;
  startingMs: number;
  terminatingMs: number;
  unsetTimes: 'absent' | 'empty';
}

export interface Scenario {
  settings: ScenarioSettings;
  runs: RunSpec[];
}

export const DEFAULT_SETTINGS: ScenarioSettings = {
  readyToScheduleMs: 1000,
  startingMs: 2000,
  terminatingMs: 2000,
  unsetTimes: 'absent',
};

/** One problem found in a scenario: where (`runs[0].nodes[2].duration`, plus the line in a file) and the fix. */
export interface ScenarioIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** Thrown for an invalid scenario; `issues` lists every problem found, not only the first. */
export class ScenarioError extends Error {
  readonly issues: ScenarioIssue[];
  constructor(source: string, issues: ScenarioIssue[]) {
    const lines = issues.map(
      (i) =>
        `  ${i.path || '(top level)'}${i.line === undefined ? '' : ` (line ${i.line}, column ${i.column ?? 1})`}: ${i.message}`,
    );
    super(
      `${source}: invalid scenario (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ScenarioError';
    this.issues = issues;
  }
}

type Path = (string | number)[];

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Walks an untyped value, collecting issues instead of stopping at the first. */
class Checker {
  readonly issues: { path: Path; message: string }[] = [];

  fail(path: Path, message: string): void {
    this.issues.push({ path, message });
  }

  object(value: unknown, path: Path, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, `expected a mapping with fields ${allowed.join(', ')}, got ${describe(value)}`);
      return undefined;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key))
        this.fail([...path, key], `unknown field; expected one of ${allowed.join(', ')}`);
    }
    return record;
  }

  array(value: unknown, path: Path): unknown[] | undefined {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value as unknown[];
    this.fail(path, `expected a list, got ${describe(value)}`);
    return undefined;
  }

  string(value: unknown, path: Path, required: boolean): string | undefined {
    if (value === undefined) {
      if (required) this.fail(path, 'required; add it');
      return undefined;
    }
    if (typeof value === 'number') return String(value); // YAML reads `workspaceId: 1234` as a number
    if (typeof value !== 'string' || value === '') {
      this.fail(path, `expected a non-empty string, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  duration(value: unknown, path: Path, fallbackMs: number | undefined): number | undefined {
    if (value === undefined) {
      if (fallbackMs === undefined) this.fail(path, 'required; add a duration such as 30s');
      return fallbackMs;
    }
    const ms = typeof value === 'string' ? parseDurationMs(value) : undefined;
    if (ms === undefined)
      this.fail(path, `expected a duration such as 30s, 5m or 1h30m, got ${describe(value)}`);
    return ms;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

const NODE_FIELDS = ['id', 'name', 'dependsOn', 'duration', 'outcome', 'runtimeInfo', 'physical', 'children'];
const RUN_FIELDS = [
  'id',
  'name',
  'rootNodeId',
  'startAfter',
  'endsQueued',
  'shareToken',
  'workspaceId',
  'pipelineId',
  'nodes',
];

function checkRuntimeInfo(c: Checker, value: unknown, path: Path): string {
  if (value === undefined) return '{}';
  if (typeof value === 'string') return value; // raw, so invalid JSON can be simulated on purpose
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return JSON.stringify(value);
  c.fail(path, `expected a mapping (emitted as a JSON string) or a raw string, got ${describe(value)}`);
  return '{}';
}

function checkPhysical(c: Checker, value: unknown, path: Path): PhysicalNodeSpec | undefined {
  const o = c.object(value, path, ['id', 'name', 'duration']);
  if (!o) return undefined;
  const id = c.string(o.id, [...path, 'id'], true);
  const durationMs = o.duration === undefined ? undefined : c.duration(o.duration, [...path, 'duration'], 0);
  return id === undefined
    ? undefined
    : { id, name: c.string(o.name, [...path, 'name'], false) ?? id, durationMs };
}

function checkNodes(c: Checker, value: unknown, path: Path): NodeSpec[] {
  const items = c.array(value, path) ?? [];
  if (value !== undefined && items.length === 0) c.fail(path, 'expected at least one node');
  const nodes = items.flatMap((item, i) => checkNode(c, item, [...path, i]) ?? []);
  checkDag(c, nodes, items, path);
  return nodes;
}

function checkNode(c: Checker, value: unknown, path: Path): NodeSpec | undefined {
  const o = c.object(value, path, NODE_FIELDS);
  if (!o) return undefined;
  const id = c.string(o.id, [...path, 'id'], true);
  const dependsOn = (c.array(o.dependsOn, [...path, 'dependsOn']) ?? []).flatMap(
    (d, i) => c.string(d, [...path, 'dependsOn', i], true) ?? [],
  );
  const composite = o.children !== undefined;
  if (composite) {
    for (const field of ['duration', 'outcome', 'physical']) {
      if (o[field] !== undefined) {
        c.fail(
          [...path, field],
          'a node with children takes its status and timing from them; remove this field',
        );
      }
    }
  }
  const outcome = o.outcome ?? 'succeed';
  if (!OUTCOMES.includes(outcome as Outcome)) {
    c.fail([...path, 'outcome'], `expected one of ${OUTCOMES.join(', ')}, got ${describe(outcome)}`);
  }
  const node: NodeSpec = {
    id: id ?? '',
    name: c.string(o.name, [...path, 'name'], false) ?? id ?? '',
    dependsOn,
    // A skipped node never runs, so it needs no duration.
    durationMs: composite
      ? 0
      : (c.duration(o.duration, [...path, 'duration'], outcome === 'skip' ? 0 : undefined) ?? 0),
    outcome: OUTCOMES.includes(outcome as Outcome) ? (outcome as Outcome) : 'succeed',
    runtimeInfo: checkRuntimeInfo(c, o.runtimeInfo, [...path, 'runtimeInfo']),
    physical: (c.array(o.physical, [...path, 'physical']) ?? []).flatMap(
      (p, i) => checkPhysical(c, p, [...path, 'physical', i]) ?? [],
    ),
    children: composite ? checkNodes(c, o.children, [...path, 'children']) : [],
  };
  return id === undefined ? undefined : node;
}

/** dependsOn must name siblings, and the siblings must not depend on each other in a cycle. */
function checkDag(c: Checker, nodes: NodeSpec[], items: unknown[], path: Path): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const indexOf = (id: string): number =>
    items.findIndex((item) => (item as Record<string, unknown> | null)?.id === id);
  for (const node of nodes) {
    node.dependsOn.forEach((dep, i) => {
      if (!byId.has(dep)) {
        c.fail(
          [...path, indexOf(node.id), 'dependsOn', i],
          `"${dep}" is not a sibling node; expected one of ${[...byId.keys()].join(', ')}`,
        );
      }
    });
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: NodeSpec, trail: string[]): void => {
    if (state.get(node.id) === 'done') return;
    if (state.get(node.id) === 'visiting') {
      c.fail(
        [...path, indexOf(node.id), 'dependsOn'],
        `dependency cycle ${[...trail, node.id].join(' -> ')}; remove one edge`,
      );
      return;
    }
    state.set(node.id, 'visiting');
    for (const dep of node.dependsOn) {
      const target = byId.get(dep);
      if (target) visit(target, [...trail, node.id]);
    }
    state.set(node.id, 'done');
  };
  for (const node of nodes) visit(node, []);
}

function allIds(nodes: NodeSpec[]): string[] {
  return nodes.flatMap((n) => [n.id, ...n.physical.map((p) => p.id), ...allIds(n.children)]);
}

function checkQueuedOutcome(c: Checker, value: unknown, path: Path): QueuedOutcome | undefined {
  if (value === undefined) return undefined;
  if (QUEUED_OUTCOMES.includes(value as QueuedOutcome)) return value as QueuedOutcome;
  c.fail(path, `expected one of ${QUEUED_OUTCOMES.join(', ')}, got ${describe(value)}`);
  return undefined;
}

function checkRun(c: Checker, value: unknown, path: Path): RunSpec | undefined {
  const o = c.object(value, path, RUN_FIELDS);
  if (!o) return undefined;
  const id = c.string(o.id, [...path, 'id'], true);
  if (o.nodes === undefined) c.fail([...path, 'nodes'], 'required; add at least one node');
  const run: RunSpec = {
    id: id ?? '',
    name: c.string(o.name, [...path, 'name'], false) ?? id ?? '',
    rootNodeId: c.string(o.rootNodeId, [...path, 'rootNodeId'], false) ?? `${id ?? ''}-root`,
    shareToken: c.string(o.shareToken, [...path, 'shareToken'], false),
    startAfterMs: c.duration(o.startAfter, [...path, 'startAfter'], 0) ?? 0,
    endsQueued: checkQueuedOutcome(c, o.endsQueued, [...path, 'endsQueued']),
    workspaceId: c.string(o.workspaceId, [...path, 'workspaceId'], false),
    pipelineId: c.string(o.pipelineId, [...path, 'pipelineId'], false),
    nodes: checkNodes(c, o.nodes, [...path, 'nodes']),
  };
  const seen = new Set<string>();
  for (const nodeId of [run.rootNodeId, ...allIds(run.nodes)]) {
    if (seen.has(nodeId))
      c.fail(
        [...path, 'nodes'],
        `node id "${nodeId}" is used twice in this run; node ids must be unique within a run`,
      );
    seen.add(nodeId);
  }
  return id === undefined ? undefined : run;
}

function checkRuns(c: Checker, value: unknown, path: Path): RunSpec[] {
  const runs = (c.array(value, path) ?? []).flatMap((r, i) => checkRun(c, r, [...path, i]) ?? []);
  const seen = new Set<string>();
  runs.forEach((run, i) => {
    if (seen.has(run.id))
      c.fail([...path, i, 'id'], `run id "${run.id}" is used twice; run ids must be unique`);
    seen.add(run.id);
  });
  return runs;
}

function checkSettings(c: Checker, value: unknown): ScenarioSettings {
  if (value === undefined) return DEFAULT_SETTINGS;
  const o = c.object(value, ['settings'], ['readyToSchedule', 'starting', 'terminating', 'unsetTimes']);
  if (!o) return DEFAULT_SETTINGS;
  const unsetTimes = o.unsetTimes ?? 'absent';
  if (unsetTimes !== 'absent' && unsetTimes !== 'empty') {
    c.fail(['settings', 'unsetTimes'], `expected absent or empty, got ${describe(unsetTimes)}`);
  }
  return {
    readyToScheduleMs:
      c.duration(o.readyToSchedule, ['settings', 'readyToSchedule'], DEFAULT_SETTINGS.readyToScheduleMs) ?? 0,
    startingMs: c.duration(o.starting, ['settings', 'starting'], DEFAULT_SETTINGS.startingMs) ?? 0,
    terminatingMs:
      c.duration(o.terminating, ['settings', 'terminating'], DEFAULT_SETTINGS.terminatingMs) ?? 0,
    unsetTimes: unsetTimes === 'empty' ? 'empty' : 'absent',
  };
}

function toError(
  source: string,
  c: Checker,
  locate?: (path: Path) => { line: number; column: number } | undefined,
): ScenarioError {
  return new ScenarioError(
    source,
    c.issues.map(({ path, message }) => ({ path: formatPath(path), message, ...locate?.(path) })),
  );
}

function checkScenario(value: unknown): { scenario: Scenario; checker: Checker } {
  const checker = new Checker();
  const o = checker.object(value ?? {}, [], ['settings', 'runs']);
  const scenario = {
    settings: checkSettings(checker, o?.settings),
    runs: checkRuns(checker, o?.runs, ['runs']),
  };
  return { scenario, checker };
}

/** Validates a scenario given as plain data (e.g. JSON). Throws ScenarioError naming every problem. */
export function validateScenario(value: unknown, source = 'scenario'): Scenario {
  const { scenario, checker } = checkScenario(value);
  if (checker.issues.length > 0) throw toError(source, checker);
  return scenario;
}

/** Validates runs given as plain data (the admin API's body: one run or a list). */
export function validateRuns(value: unknown, source = 'runs'): RunSpec[] {
  const checker = new Checker();
  const runs = checkRuns(checker, Array.isArray(value) ? value : [value], ['runs']);
  if (checker.issues.length > 0) throw toError(source, checker);
  return runs;
}

/** Parses and validates a scenario YAML document; issues carry the line and column in the file. */
export function parseScenarioYaml(text: string, source = 'scenario.yaml'): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      source,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          path: '',
          message: `YAML syntax: ${e.message.split('\n')[0] ?? ''}`,
          line: pos.line,
          column: pos.col,
        };
      }),
    );
  }
  const { scenario, checker } = checkScenario(doc.toJS());
  if (checker.issues.length === 0) return scenario;
  // The deepest YAML node that exists on the issue's path (a missing field points at its parent).
  const locate = (path: Path): { line: number; column: number } | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
  throw toError(source, checker, locate);
}
