import type { PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { computeStatus, type PollOutcome } from '../../controller/status/index.ts';
import { family, newMetrics } from './exposition.test-helper.ts';

const STARTED = '2026-01-01T10:00:00Z';
const FINISHED = '2026-01-01T10:02:00Z';

/** The completion and duration-count lines of namespace ml, in COMPLETION_STATUSES order. */
function lines(
  counts: { Succeeded?: number; Failed?: number; Terminated?: number; Skipped?: number },
  durations = counts,
) {
  const statuses = ['Succeeded', 'Failed', 'Terminated', 'Skipped'] as const;
  return {
    completions: statuses.map(
      (s) => `paiflow_node_completions_total{namespace="ml",status="${s}"} ${counts[s] ?? 0}`,
    ),
    durations: statuses.map(
      (s) => `paiflow_node_duration_seconds_count{namespace="ml",status="${s}"} ${durations[s] ?? 0}`,
    ),
  };
}

const running: PipelineRunNodeStatus = { phase: 'Running', startedAt: STARTED };

describe('CompletionRecorder.recordTransition', () => {
  test.each<{
    name: string;
    previous: PipelineRunNodeStatus | undefined;
    next: PipelineRunNodeStatus;
    want: ReturnType<typeof lines>;
  }>([
    {
      name: 'running to succeeded: one completion and its duration',
      previous: running,
      next: { phase: 'Succeeded', startedAt: STARTED, finishedAt: FINISHED },
      want: lines({ Succeeded: 1 }),
    },
    {
      name: 'PAI\'s "Succeed" spelling counts as Succeeded',
      previous: running,
      next: { phase: 'Succeed', startedAt: STARTED, finishedAt: FINISHED },
      want: lines({ Succeeded: 1 }),
    },
    {
      name: 'running to failed',
      previous: running,
      next: { phase: 'Failed', startedAt: STARTED, finishedAt: FINISHED },
      want: lines({ Failed: 1 }),
    },
    {
      name: 'a node already finished when first seen counts once',
      previous: undefined,
      next: { phase: 'Terminated', startedAt: STARTED, finishedAt: FINISHED },
      want: lines({ Terminated: 1 }),
    },
    {
      name: 'a skipped node that never started counts, without a duration',
      previous: { phase: 'Initialized' },
      next: { phase: 'Skipped' },
      want: lines({ Skipped: 1 }, {}),
    },
    {
      name: 'a finish before the start (clock skew in PAI) counts, without a duration',
      previous: running,
      next: { phase: 'Failed', startedAt: FINISHED, finishedAt: STARTED },
      want: lines({ Failed: 1 }, {}),
    },
    {
      name: 'finished to finished (a re-poll): nothing',
      previous: { phase: 'Succeeded', startedAt: STARTED, finishedAt: FINISHED },
      next: { phase: 'Succeeded', startedAt: STARTED, finishedAt: FINISHED },
      want: lines({}),
    },
    {
      name: 'finished to another final status: nothing, a node finishes once',
      previous: { phase: 'Failed', startedAt: STARTED, finishedAt: FINISHED },
      next: { phase: 'Succeeded', startedAt: STARTED, finishedAt: FINISHED },
      want: lines({}),
    },
    { name: 'still running: nothing', previous: running, next: running, want: lines({}) },
    { name: 'suspended in PAI: nothing', previous: running, next: { phase: 'Suspended' }, want: lines({}) },
  ])('$name', async ({ previous, next, want }) => {
    const { registry, metrics } = newMetrics({ namespaces: ['ml'] });
    metrics.completions.recordTransition('ml', previous, next);
    expect({
      completions: await family(registry, 'paiflow_node_completions_total'),
      durations: await family(registry, 'paiflow_node_duration_seconds', '_count'),
    }).toEqual(want);
  });

  test('the duration falls in the bucket of finishedAt - startedAt', async () => {
    const { registry, metrics } = newMetrics();
    metrics.completions.recordTransition('ml', running, {
      phase: 'Succeeded',
      startedAt: STARTED,
      finishedAt: FINISHED,
    });
    expect(await family(registry, 'paiflow_node_duration_seconds', 'status="Succeeded"', 'le="')).toEqual(
      [1, 10, 30, 60, 300, 900, 1800, 3600, 5400, 10800, 21600, 43200, 86400, '+Inf'].map(
        (le) =>
          `paiflow_node_duration_seconds_bucket{le="${le}",namespace="ml",status="Succeeded"} ${typeof le === 'number' && le < 120 ? 0 : 1}`,
      ),
    );
    expect(await family(registry, 'paiflow_node_duration_seconds', 'status="Succeeded"', '_sum')).toEqual([
      'paiflow_node_duration_seconds_sum{namespace="ml",status="Succeeded"} 120',
    ]);
  });

  test('a completion is observed once across a restart', async () => {
    const spec = { pipelineRunId: 'flow-1', nodeId: 'node-1' };
    const observed = (status: string, finishedAt?: string): PollOutcome => ({
      kind: 'observed',
      nodeId: 'node-1',
      nodes: [
        {
          nodeId: 'node-1',
          nodeName: 'train',
          status,
          startedAt: STARTED,
          ...(finishedAt !== undefined && { finishedAt }),
          runtimeInfo: { raw: '' },
        },
      ],
    });
    // The first controller process: it sees the node run, then finish, and writes both statuses.
    const before = newMetrics({ namespaces: ['ml'] });
    const now = before.clock.now();
    const first = computeStatus({ generation: 1, spec, outcome: observed('Running'), now });
    before.metrics.completions.recordTransition('ml', undefined, first);
    const stored = computeStatus({
      previous: first,
      generation: 1,
      spec,
      outcome: observed('Succeeded', FINISHED),
      now,
    });
    before.metrics.completions.recordTransition('ml', first, stored);
    expect(await family(before.registry, 'paiflow_node_completions_total', '} 1')).toEqual([
      'paiflow_node_completions_total{namespace="ml",status="Succeeded"} 1',
    ]);

    // A new process (fresh metrics) reconciles the resource again, e.g. after a spec change: the
    // stored, finished status is its `previous`, so the same completion is not counted again.
    const after = newMetrics({ namespaces: ['ml'] });
    const repolled = computeStatus({
      previous: stored,
      generation: 2,
      spec,
      outcome: observed('Succeeded', FINISHED),
      now,
    });
    after.metrics.completions.recordTransition('ml', stored, repolled);
    expect({
      completions: await family(after.registry, 'paiflow_node_completions_total'),
      durations: await family(after.registry, 'paiflow_node_duration_seconds', '_count'),
    }).toEqual(lines({}));
  });
});
