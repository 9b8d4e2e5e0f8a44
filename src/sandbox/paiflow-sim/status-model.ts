import type { NodeSpec, Outcome, PhysicalNodeSpec, RunSpec, ScenarioSettings } from './scenario.ts';

/**
 * The status of every node of a run as a pure function of (run spec, interventions, scenario time).
 * All times are scenario milliseconds since the scenario started.
 *
 * A leaf node becomes ready when the run starts (no dependencies) or when its last dependency
 * succeeds; then it is `ReadyToSchedule` (settings.readyToSchedule), `Starting` (settings.starting),
 * `Running` for its duration, and ends with its outcome: `Succeeded`, `Failed`, `Suspended`, or
 * `Terminating` (settings.terminating) then `Terminated`. A node waiting on dependencies stays
 * `Initialized`; it becomes `Skipped` when a dependency ends Failed, Terminated or Skipped, and stays
 * `Initialized` for ever behind a Suspended one. A node with children (and the run's virtual root)
 * takes its status from them: `Running` while any is in progress, `Terminating` while one terminates,
 * then `Suspended` if any is stuck, else `Failed` if any failed, else `Terminated` if any was
 * terminated, else `Succeeded`. StartedAt is when the node became ready; FinishedAt when it reached
 * a terminal status (Skipped nodes have a FinishedAt and no StartedAt; Suspended ones no FinishedAt).
 *
 * Physical nodes exist once their logical node is Running: they start with it, each runs for its own
 * duration (default: as long as the logical node) and ends `Succeeded` if it ends first, else with the
 * logical node's status.
 *
 * Status values follow docs/reference (paiflow-api.md §4); the exact phase lengths of the real service
 * are UNCONFIRMED, hence the settings.
 */

export type NodeStatus =
  | 'Initialized'
  | 'ReadyToSchedule'
  | 'Starting'
  | 'Running'
  | 'Succeeded'
  | 'Failed'
  | 'Terminating'
  | 'Terminated'
  | 'Suspended'
  | 'Skipped';

/** A change made while the scenario plays: from `atMs` on, the node ends with `outcome`. */
export interface Intervention {
  nodeId: string;
  outcome: Outcome;
  atMs: number;
}

type FinalStatus = 'Succeeded' | 'Failed' | 'Terminated' | 'Suspended' | 'Skipped' | 'Initialized';

interface LeafPlan {
  startingAt: number;
  runningAt: number;
  /** When the node stops being ReadyToSchedule/Starting/Running. */
  endAt: number;
  outcome: Outcome;
  physical: PhysicalNodeSpec[];
}

/** When a node's life events happen; independent of "now", so it is computed once per run change. */
export interface NodeTimeline {
  id: string;
  name: string;
  runtimeInfo: string;
  /** Undefined when the node never becomes ready (skipped, or behind a suspended node). */
  readyAt: number | undefined;
  skippedAt: number | undefined;
  /** When the final status is reached; undefined when never (blocked for ever). */
  settledAt: number | undefined;
  final: FinalStatus;
  leaf: LeafPlan | undefined;
  children: NodeTimeline[];
}

export interface RunTimeline {
  run: RunSpec;
  startsAt: number;
  root: NodeTimeline;
  terminatingMs: number;
}

/** What the API shows of one node at an instant. */
export interface NodeView {
  id: string;
  name: string;
  status: NodeStatus;
  startedAtMs: number | undefined;
  finishedAtMs: number | undefined;
  runtimeInfo: string;
  children: NodeView[];
  physical: NodeView[];
}

export interface RunView {
  /** False until the run's start time: the root node does not exist yet. */
  started: boolean;
  status: NodeStatus;
  root: NodeView;
  /** When a run that never started ended (endsQueued). */
  endedAtMs?: number;
}

interface Gate {
  readyAt: number | undefined;
  skippedAt: number | undefined;
}

function finalOf(outcome: Outcome): FinalStatus {
  const finals: Record<Outcome, FinalStatus> = {
    succeed: 'Succeeded',
    fail: 'Failed',
    terminate: 'Terminated',
    suspend: 'Suspended',
    skip: 'Skipped',
  };
  return finals[outcome];
}

const FAILED_FINALS: readonly FinalStatus[] = ['Failed', 'Terminated', 'Skipped'];

function planSiblings(
  nodes: NodeSpec[],
  gate: Gate,
  settings: ScenarioSettings,
  interventions: readonly Intervention[],
): NodeTimeline[] {
  const planned = new Map<string, NodeTimeline>();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // Validation guarantees a DAG of siblings, so this recursion terminates.
  const plan = (node: NodeSpec): NodeTimeline => {
    const known = planned.get(node.id);
    if (known) return known;
    const deps = node.dependsOn.flatMap((id) => {
      const dep = byId.get(id);
      return dep ? [plan(dep)] : [];
    });
    const timeline = planNode(node, deps, gate, settings, interventions);
    planned.set(node.id, timeline);
    return timeline;
  };
  return nodes.map(plan);
}

function planNode(
  node: NodeSpec,
  deps: NodeTimeline[],
  gate: Gate,
  settings: ScenarioSettings,
  interventions: readonly Intervention[],
): NodeTimeline {
  const base = { id: node.id, name: node.name, runtimeInfo: node.runtimeInfo };
  const failures = deps.filter((d) => FAILED_FINALS.includes(d.final)).map((d) => d.settledAt ?? Infinity);
  const skipTimes = gate.skippedAt === undefined ? failures : [...failures, gate.skippedAt];
  if (skipTimes.length > 0) {
    const skippedAt = Math.min(...skipTimes);
    return {
      ...base,
      readyAt: undefined,
      skippedAt,
      settledAt: skippedAt,
      final: 'Skipped',
      leaf: undefined,
      children: [],
    };
  }
  const ready =
    gate.readyAt !== undefined && deps.every((d) => d.final === 'Succeeded')
      ? Math.max(gate.readyAt, ...deps.map((d) => d.settledAt ?? Infinity))
      : undefined;
  if (ready === undefined) {
    return {
      ...base,
      readyAt: undefined,
      skippedAt: undefined,
      settledAt: undefined,
      final: 'Initialized',
      leaf: undefined,
      children: [],
    };
  }
  if (node.outcome === 'skip' && node.children.length === 0) {
    // A condition that evaluated false: skipped the moment it would have started.
    return {
      ...base,
      readyAt: undefined,
      skippedAt: ready,
      settledAt: ready,
      final: 'Skipped',
      leaf: undefined,
      children: [],
    };
  }
  if (node.children.length > 0) {
    const children = planSiblings(
      node.children,
      { readyAt: ready, skippedAt: undefined },
      settings,
      interventions,
    );
    return {
      ...base,
      readyAt: ready,
      skippedAt: undefined,
      ...aggregateFinal(children),
      leaf: undefined,
      children,
    };
  }
  const startingAt = ready + settings.readyToScheduleMs;
  const runningAt = startingAt + settings.startingMs;
  const naturalEnd = runningAt + node.durationMs;
  // The first intervention that lands before the node would have ended wins; later ones find it ended.
  const change = interventions
    .filter((i) => i.nodeId === node.id && Math.max(i.atMs, ready) < naturalEnd)
    .reduce<Intervention | undefined>(
      (first, i) => (first === undefined || i.atMs < first.atMs ? i : first),
      undefined,
    );
  const endAt = change ? Math.max(change.atMs, ready) : naturalEnd;
  const outcome = change ? change.outcome : node.outcome;
  return {
    ...base,
    readyAt: ready,
    skippedAt: undefined,
    settledAt: outcome === 'terminate' ? endAt + settings.terminatingMs : endAt,
    final: finalOf(outcome),
    leaf: { startingAt, runningAt, endAt, outcome, physical: node.physical },
    children: [],
  };
}

function aggregateFinal(children: NodeTimeline[]): { final: FinalStatus; settledAt: number | undefined } {
  const settled = children.flatMap((c) => (c.settledAt === undefined ? [] : [c.settledAt]));
  const lastSettled = settled.length > 0 ? Math.max(...settled) : undefined;
  const finals = children.map((c) => c.final);
  if (finals.includes('Suspended') || finals.includes('Initialized')) {
    return { final: 'Suspended', settledAt: lastSettled };
  }
  const final = finals.includes('Failed')
    ? 'Failed'
    : finals.includes('Terminated')
      ? 'Terminated'
      : 'Succeeded';
  return { final, settledAt: lastSettled };
}

/** Plans a run: every node's events, given the interventions made so far. Pure. */
export function planRun(
  run: RunSpec,
  createdAtMs: number,
  settings: ScenarioSettings,
  interventions: readonly Intervention[] = [],
): RunTimeline {
  const startsAt = createdAtMs + run.startAfterMs;
  const rootSpec: NodeSpec = {
    id: run.rootNodeId,
    name: run.name,
    dependsOn: [],
    durationMs: 0,
    outcome: 'succeed',
    runtimeInfo: '{}',
    physical: [],
    children: run.nodes,
  };
  const [root] = planSiblings(
    [rootSpec],
    { readyAt: startsAt, skippedAt: undefined },
    settings,
    interventions,
  );
  if (!root) throw new Error('unreachable: a run always has a root');
  return { run, startsAt, root, terminatingMs: settings.terminatingMs };
}

function statusAt(tl: NodeTimeline, t: number, terminatingMs: number): NodeStatus {
  if (tl.skippedAt !== undefined) return t >= tl.skippedAt ? 'Skipped' : 'Initialized';
  if (tl.readyAt === undefined || t < tl.readyAt) return 'Initialized';
  const leaf = tl.leaf;
  if (!leaf) return aggregateAt(tl.children, t, terminatingMs);
  if (t < leaf.endAt)
    return t < leaf.startingAt ? 'ReadyToSchedule' : t < leaf.runningAt ? 'Starting' : 'Running';
  if (leaf.outcome === 'terminate') return t < leaf.endAt + terminatingMs ? 'Terminating' : 'Terminated';
  return finalOf(leaf.outcome);
}

const IN_PROGRESS: readonly NodeStatus[] = ['ReadyToSchedule', 'Starting', 'Running'];

function aggregateAt(children: NodeTimeline[], t: number, terminatingMs: number): NodeStatus {
  const statuses = children.map((c) => statusAt(c, t, terminatingMs));
  if (statuses.some((s) => IN_PROGRESS.includes(s))) return 'Running';
  if (statuses.includes('Terminating')) return 'Terminating';
  const waiting = children.some(
    (c) => (c.readyAt !== undefined && c.readyAt > t) || (c.skippedAt !== undefined && c.skippedAt > t),
  );
  if (waiting) return 'Running';
  if (statuses.includes('Suspended') || statuses.includes('Initialized')) return 'Suspended';
  if (statuses.includes('Failed')) return 'Failed';
  return statuses.includes('Terminated') ? 'Terminated' : 'Succeeded';
}

const TERMINAL: readonly NodeStatus[] = ['Succeeded', 'Failed', 'Terminated', 'Skipped'];

function physicalViews(leaf: LeafPlan, nodeView: NodeView, t: number): NodeView[] {
  // A logical node becomes physical nodes only once it actually runs.
  if (t < leaf.runningAt || leaf.endAt <= leaf.runningAt) return [];
  return leaf.physical.map((p) => {
    const ownEnd = p.durationMs === undefined ? Infinity : leaf.runningAt + p.durationMs;
    const endsFirst = ownEnd < leaf.endAt;
    const status: NodeStatus = endsFirst
      ? t < ownEnd
        ? 'Running'
        : 'Succeeded'
      : t < leaf.endAt
        ? 'Running'
        : nodeView.status;
    return {
      id: p.id,
      name: p.name,
      status,
      startedAtMs: leaf.runningAt,
      finishedAtMs: endsFirst
        ? t >= ownEnd
          ? ownEnd
          : undefined
        : TERMINAL.includes(status)
          ? nodeView.finishedAtMs
          : undefined,
      runtimeInfo: '{}',
      children: [],
      physical: [],
    };
  });
}

function viewAt(tl: NodeTimeline, t: number, terminatingMs: number): NodeView {
  const status = statusAt(tl, t, terminatingMs);
  const started = tl.readyAt !== undefined && t >= tl.readyAt;
  const view: NodeView = {
    id: tl.id,
    name: tl.name,
    status,
    startedAtMs: started ? tl.readyAt : undefined,
    finishedAtMs: TERMINAL.includes(status) ? tl.settledAt : undefined,
    runtimeInfo: started ? tl.runtimeInfo : '{}',
    children: tl.children.map((c) => viewAt(c, t, terminatingMs)),
    physical: [],
  };
  if (tl.leaf) view.physical = physicalViews(tl.leaf, view, t);
  return view;
}

/**
 * The whole run as the API shows it at scenario time `t`. Pure. A run that ends queued
 * (`endsQueued`) never starts: at its start time it becomes Failed or Terminated with no root node.
 */
export function runViewAt(timeline: RunTimeline, t: number): RunView {
  const { endsQueued } = timeline.run;
  const due = t >= timeline.startsAt;
  if (endsQueued !== undefined) {
    const root = viewAt(timeline.root, -Infinity, timeline.terminatingMs);
    const status = !due ? 'Initialized' : endsQueued === 'fail' ? 'Failed' : 'Terminated';
    return { started: false, status, root, ...(due && { endedAtMs: timeline.startsAt }) };
  }
  const root = viewAt(timeline.root, t, timeline.terminatingMs);
  return { started: due, status: due ? root.status : 'Initialized', root };
}

/** The logical node with this id (the root included), or undefined. */
export function findNode(view: NodeView, id: string): NodeView | undefined {
  if (view.id === id) return view;
  for (const child of view.children) {
    const found = findNode(child, id);
    if (found) return found;
  }
  return undefined;
}

/** Whether the node is a leaf of the run (the only nodes an intervention can target). */
export function isLeafNode(run: RunSpec, id: string): boolean {
  const search = (nodes: NodeSpec[]): boolean =>
    nodes.some((n) => (n.id === id && n.children.length === 0) || search(n.children));
  return search(run.nodes);
}
