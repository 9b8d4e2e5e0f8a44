import type { Condition, PipelineRunNode } from '../../api/v1alpha1.ts';
import { resource } from './exposition.test-helper.ts';
import { isStale, stateSeries, type Sample } from './state-series.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const options = { defaultPollIntervalMs: 30_000, minPollIntervalMs: 5_000 };
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const MIN = 60_000;

function condition(type: string, status: Condition['status'], reason: string): Condition {
  return { type, status, reason, message: '', lastTransitionTime: ago(MIN) };
}

/** Samples as `{label="value",...} value` lines, without the zeros when `nonZero`. */
function text(samples: Sample[] | undefined, nonZero = false): string[] {
  return (samples ?? [])
    .filter((s) => !nonZero || s.value !== 0)
    .map(
      (s) =>
        `{${Object.entries(s.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}} ${s.value}`,
    );
}

describe('stateSeries', () => {
  test('paiflow_resources: every namespace gets every phase; unknown statuses are Other, none yet Pending', () => {
    const series = stateSeries(
      [
        resource('ml', 'a', { phase: 'Running' }),
        resource('ml', 'b', { phase: 'running' }),
        resource('ml', 'c', { phase: 'succeed' }),
        resource('ml', 'd', { phase: 'Exploded' }),
        resource('data', 'e', undefined),
      ],
      NOW,
      { ...options, perObject: false },
    );
    expect(text(series.paiflow_resources, true)).toEqual([
      '{namespace="data",phase="Pending"} 1',
      '{namespace="ml",phase="Running"} 2',
      '{namespace="ml",phase="Succeeded"} 1',
      '{namespace="ml",phase="Other"} 1',
    ]);
    expect(series.paiflow_resources).toHaveLength(2 * 14);
  });

  test('paiflow_resources_stalled: Stalled=True by reason, known reasons at zero, others added', () => {
    const series = stateSeries(
      [
        resource('ml', 'a', { phase: 'Failed', conditions: [condition('Stalled', 'True', 'Failed')] }),
        resource('ml', 'b', { conditions: [condition('Stalled', 'True', 'InvalidSpec')] }),
        resource('ml', 'c', { conditions: [condition('Stalled', 'True', 'BadResponse')] }),
        resource('ml', 'd', { phase: 'Running', conditions: [condition('Stalled', 'False', 'Progressing')] }),
      ],
      NOW,
      { ...options, perObject: false },
    );
    expect(text(series.paiflow_resources_stalled)).toEqual([
      '{namespace="ml",reason="Failed"} 1',
      '{namespace="ml",reason="Terminated"} 0',
      '{namespace="ml",reason="Unauthorized"} 0',
      '{namespace="ml",reason="Forbidden"} 0',
      '{namespace="ml",reason="NotFound"} 0',
      '{namespace="ml",reason="InvalidSpec"} 1',
      '{namespace="ml",reason="CredentialsNotFound"} 0',
      '{namespace="ml",reason="CredentialsRequired"} 0',
      '{namespace="ml",reason="InvalidSecret"} 0',
      '{namespace="ml",reason="EndpointNotAllowed"} 0',
      '{namespace="ml",reason="BadResponse"} 1',
    ]);
  });

  test('paiflow_running_node_max_age_seconds: the oldest started, unfinished node; no series without one', () => {
    const series = stateSeries(
      [
        resource('ml', 'a', { phase: 'Running', startedAt: ago(60 * MIN) }),
        resource('ml', 'b', { phase: 'Running', startedAt: ago(120 * MIN) }),
        resource('ml', 'c', { phase: 'Failed', startedAt: ago(600 * MIN) }),
        resource('ml', 'd', { phase: 'Initialized' }),
        resource('data', 'e', { phase: 'Succeeded', startedAt: ago(60 * MIN) }),
      ],
      NOW,
      { ...options, perObject: false },
    );
    expect(text(series.paiflow_running_node_max_age_seconds)).toEqual(['{namespace="ml"} 7200']);
  });

  test('paiflow_resources_stale counts per namespace, 0 included', () => {
    const series = stateSeries(
      [
        resource('ml', 'a', { phase: 'Running', lastSyncTime: ago(10 * MIN) }),
        resource('ml', 'b', { phase: 'Running', lastSyncTime: ago(MIN) }),
        resource('data', 'c', { phase: 'Running', lastSyncTime: ago(MIN) }),
      ],
      NOW,
      { ...options, perObject: false },
    );
    expect(text(series.paiflow_resources_stale)).toEqual(['{namespace="data"} 0', '{namespace="ml"} 1']);
  });

  test('without perObject there are no per-object families', () => {
    const series = stateSeries([resource('ml', 'a', { phase: 'Running' })], NOW, {
      ...options,
      perObject: false,
    });
    expect(Object.keys(series)).toEqual([
      'paiflow_resources',
      'paiflow_resources_stalled',
      'paiflow_resources_stale',
      'paiflow_running_node_max_age_seconds',
    ]);
  });

  test('per-object families: phase one-hot, timestamps when known, conditions one-hot', () => {
    const objects: PipelineRunNode[] = [
      resource('ml', 'train', {
        phase: 'Failed',
        startedAt: '2026-01-01T10:00:00Z',
        finishedAt: '2026-01-01T10:02:00Z',
        conditions: [condition('Ready', 'False', 'Failed'), condition('Stalled', 'True', 'Failed')],
      }),
      resource('ml', 'new', undefined),
    ];
    const series = stateSeries(objects, NOW, { ...options, perObject: true });
    expect(text(series.paiflow_pipelinerunnode_status_phase, true)).toEqual([
      '{namespace="ml",pipelinerunnode="train",phase="Failed"} 1',
      '{namespace="ml",pipelinerunnode="new",phase="Pending"} 1',
    ]);
    expect(series.paiflow_pipelinerunnode_status_phase).toHaveLength(2 * 14);
    expect(text(series.paiflow_pipelinerunnode_started_timestamp_seconds)).toEqual([
      '{namespace="ml",pipelinerunnode="train"} 1767261600',
    ]);
    expect(text(series.paiflow_pipelinerunnode_finished_timestamp_seconds)).toEqual([
      '{namespace="ml",pipelinerunnode="train"} 1767261720',
    ]);
    expect(text(series.paiflow_pipelinerunnode_condition)).toEqual([
      '{namespace="ml",pipelinerunnode="train",condition="Ready",status="true"} 0',
      '{namespace="ml",pipelinerunnode="train",condition="Ready",status="false"} 1',
      '{namespace="ml",pipelinerunnode="train",condition="Ready",status="unknown"} 0',
      '{namespace="ml",pipelinerunnode="train",condition="Stalled",status="true"} 1',
      '{namespace="ml",pipelinerunnode="train",condition="Stalled",status="false"} 0',
      '{namespace="ml",pipelinerunnode="train",condition="Stalled",status="unknown"} 0',
    ]);
  });

  test('no objects, no series', () => {
    const series = stateSeries([], NOW, { ...options, perObject: true });
    expect(Object.values(series).flat()).toEqual([]);
  });
});

describe('isStale (threshold: 3 poll intervals + 5 minutes)', () => {
  test.each<{ name: string; object: PipelineRunNode; want: boolean }>([
    {
      name: 'last sync 7 min ago at the 30 s default (threshold 6.5 min)',
      object: resource('ml', 'a', { phase: 'Running', lastSyncTime: ago(7 * MIN) }),
      want: true,
    },
    {
      name: 'last sync 6 min ago at the 30 s default',
      object: resource('ml', 'a', { phase: 'Running', lastSyncTime: ago(6 * MIN) }),
      want: false,
    },
    {
      name: 'spec.pollInterval 10m: 34 min is not stale yet (threshold 35 min)',
      object: resource(
        'ml',
        'a',
        { phase: 'Running', lastSyncTime: ago(34 * MIN) },
        { spec: { pollInterval: '10m' } },
      ),
      want: false,
    },
    {
      name: 'spec.pollInterval below the floor is raised to it (threshold 5 min 15 s)',
      object: resource(
        'ml',
        'a',
        { phase: 'Running', lastSyncTime: ago(5 * MIN + 20_000) },
        { spec: { pollInterval: '1s' } },
      ),
      want: true,
    },
    {
      name: 'a finished node never is',
      object: resource('ml', 'a', { phase: 'Succeeded', lastSyncTime: ago(600 * MIN) }),
      want: false,
    },
    {
      name: 'a suspended resource never is',
      object: resource(
        'ml',
        'a',
        { phase: 'Running', lastSyncTime: ago(600 * MIN) },
        { spec: { suspend: true } },
      ),
      want: false,
    },
    {
      name: 'a node suspended in PAI is still polled, so it can be',
      object: resource('ml', 'a', { phase: 'Suspended', lastSyncTime: ago(600 * MIN) }),
      want: true,
    },
    {
      name: 'never synced, created an hour ago',
      object: resource('ml', 'a', undefined, { creationTimestamp: ago(60 * MIN) }),
      want: true,
    },
    {
      name: 'never synced, created a minute ago',
      object: resource('ml', 'a', undefined, { creationTimestamp: ago(MIN) }),
      want: false,
    },
    {
      name: 'never synced, no creation time: unknown, so not',
      object: resource('ml', 'a', undefined),
      want: false,
    },
  ])('$name: $want', ({ object, want }) => {
    expect(isStale(object, NOW, options)).toBe(want);
  });
});
