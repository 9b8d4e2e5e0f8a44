import { CONDITION_TYPES, type PipelineRunNode, type PipelineRunNodeSpec } from '../../api/v1alpha1.ts';
import {
  canonicalPaiStatus,
  DEFAULT_STATUS_LIMITS,
  findCondition,
  isTerminal,
} from '../../controller/status/index.ts';
import { isPolled, pollIntervalMs } from '../../controller/observer/poll-interval.ts';
import { CONDITION_STATUSES, PHASES, STALLED_REASONS } from './label-values.ts';

/** One series of a gauge family: its labels, in the family's label order, and its value. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface StateSeriesOptions {
  /** The poll interval of resources without `spec.pollInterval` (the controller's default). */
  defaultPollIntervalMs: number;
  /** The controller's floor for poll intervals. */
  minPollIntervalMs: number;
}

/** A gauge family computed from the cached objects alone (kube-state-metrics' family generator). */
export type StateFamily = (
  objects: readonly PipelineRunNode[],
  now: number,
  options: StateSeriesOptions,
) => Sample[];

/** Missed polls before a resource counts as stale; plus the status refresh interval, see staleAfterMs. */
const STALE_POLL_INTERVALS = 3;

/** The `phase` label of a status: its canonical PAI status, `Pending` before any, `Other` when unknown. */
function phaseLabel(phase: string | undefined): string {
  if (phase === undefined) return 'Pending';
  return canonicalPaiStatus(phase) ?? 'Other';
}

/**
 * How long without a recorded successful poll makes a resource stale: three of its poll intervals
 * (spec.pollInterval or the default, raised to the floor), plus the interval at which an unchanged
 * status refreshes `lastSyncTime` (DEFAULT_STATUS_LIMITS.syncRefreshIntervalMs, 5 minutes), since a
 * steady resource records a successful poll only that often.
 */
function staleAfterMs(spec: PipelineRunNodeSpec, options: StateSeriesOptions): number {
  const interval = pollIntervalMs(spec, {
    defaultIntervalMs: options.defaultPollIntervalMs,
    minIntervalMs: options.minPollIntervalMs,
  });
  return STALE_POLL_INTERVALS * interval + DEFAULT_STATUS_LIMITS.syncRefreshIntervalMs;
}

/**
 * Stale: still expected to change (not finished, not suspended by spec) and no successful poll
 * recorded for longer than staleAfterMs, counted from creation when there never was one.
 */
export function isStale(object: PipelineRunNode, now: number, options: StateSeriesOptions): boolean {
  const { spec, status, metadata } = object;
  if (!isPolled(spec, status)) return false;
  const since = epochMs(status?.lastSyncTime) ?? epochMs(metadata.creationTimestamp);
  return since !== undefined && now - since > staleAfterMs(spec, options);
}

function epochMs(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The objects grouped by namespace, namespaces in sorted order. */
function byNamespace(objects: readonly PipelineRunNode[]): [string, PipelineRunNode[]][] {
  const groups = new Map<string, PipelineRunNode[]>();
  for (const object of objects) {
    const group = groups.get(object.metadata.namespace);
    if (group === undefined) groups.set(object.metadata.namespace, [object]);
    else group.push(object);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Counts of `key(object)` per namespace, with every value of `known` present (0 when none). */
function countBy(
  objects: readonly PipelineRunNode[],
  label: string,
  known: readonly string[],
  key: (object: PipelineRunNode) => string | undefined,
): Sample[] {
  return byNamespace(objects).flatMap(([namespace, group]) => {
    const counts = new Map<string, number>(known.map((value) => [value, 0]));
    for (const object of group) {
      const value = key(object);
      if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    return [...counts].map(([value, count]) => ({ labels: { namespace, [label]: value }, value: count }));
  });
}

function objectLabels(object: PipelineRunNode): { namespace: string; pipelinerunnode: string } {
  return { namespace: object.metadata.namespace, pipelinerunnode: object.metadata.name };
}

function timestampSeries(objects: readonly PipelineRunNode[], field: 'startedAt' | 'finishedAt'): Sample[] {
  return objects.flatMap((object) => {
    const ms = epochMs(object.status?.[field]);
    return ms === undefined ? [] : [{ labels: objectLabels(object), value: ms / 1000 }];
  });
}

/** The always-on families: bounded by namespaces × known values. */
export const AGGREGATE_FAMILIES = {
  paiflow_resources: (objects) => countBy(objects, 'phase', PHASES, (o) => phaseLabel(o.status?.phase)),
  paiflow_resources_stalled: (objects) =>
    countBy(objects, 'reason', STALLED_REASONS, (o) => {
      const stalled = findCondition(o.status?.conditions, 'Stalled');
      return stalled?.status === 'True' ? stalled.reason : undefined;
    }),
  paiflow_resources_stale: (objects, now, options) =>
    byNamespace(objects).map(([namespace, group]) => ({
      labels: { namespace },
      value: group.filter((o) => isStale(o, now, options)).length,
    })),
  paiflow_running_node_max_age_seconds: (objects, now) =>
    byNamespace(objects).flatMap(([namespace, group]) => {
      const starts = group.flatMap((o) => {
        const phase = o.status?.phase;
        const started = epochMs(o.status?.startedAt);
        return phase === undefined || isTerminal(phase) || started === undefined ? [] : [started];
      });
      // No series rather than a 0 when nothing runs: "oldest running node is 0 s old" would be a lie.
      return starts.length === 0
        ? []
        : [{ labels: { namespace }, value: Math.max(0, now - Math.min(...starts)) / 1000 }];
    }),
} satisfies Record<string, StateFamily>;

/** The opt-in families: one or more series per object (kube-state-metrics style). */
export const PER_OBJECT_FAMILIES = {
  paiflow_pipelinerunnode_status_phase: (objects) =>
    objects.flatMap((object) => {
      const current = phaseLabel(object.status?.phase);
      return PHASES.map((phase) => ({
        labels: { ...objectLabels(object), phase },
        value: phase === current ? 1 : 0,
      }));
    }),
  paiflow_pipelinerunnode_started_timestamp_seconds: (objects) => timestampSeries(objects, 'startedAt'),
  paiflow_pipelinerunnode_finished_timestamp_seconds: (objects) => timestampSeries(objects, 'finishedAt'),
  paiflow_pipelinerunnode_condition: (objects) =>
    objects.flatMap((object) =>
      CONDITION_TYPES.flatMap((condition) => {
        const found = findCondition(object.status?.conditions, condition);
        if (found === undefined) return [];
        const current = found.status.toLowerCase();
        return CONDITION_STATUSES.map((status) => ({
          labels: { ...objectLabels(object), condition, status },
          value: status === current ? 1 : 0,
        }));
      }),
    ),
} satisfies Record<string, StateFamily>;

export type AggregateFamilyName = keyof typeof AGGREGATE_FAMILIES;
export type PerObjectFamilyName = keyof typeof PER_OBJECT_FAMILIES;

/**
 * Every state series of `objects` at `now`, by family: the aggregate families, and the per-object
 * ones when `perObject`. Pure: the same objects and time give the same series.
 */
export function stateSeries(
  objects: readonly PipelineRunNode[],
  now: number,
  options: StateSeriesOptions & { perObject: boolean },
): Partial<Record<AggregateFamilyName | PerObjectFamilyName, Sample[]>> {
  const families: [string, StateFamily][] = [
    ...Object.entries(AGGREGATE_FAMILIES),
    ...(options.perObject ? Object.entries(PER_OBJECT_FAMILIES) : []),
  ];
  return Object.fromEntries(families.map(([name, family]) => [name, family(objects, now, options)]));
}
