import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { register } from 'prom-client';
import { METRICS_DOC, parseMetricTables } from '../../../test/monitoring/metric-catalogue.ts';
import { computeStatus } from '../../controller/status/index.ts';
import { family, newMetrics, resource } from './exposition.test-helper.ts';
import { createMetrics } from './metrics.ts';
import { Ownership } from '../../controller/sharding/index.ts';
import { promtoolTool } from '../../../test/monitoring/promtool.ts';
import { describeWithTools } from '../../../test/support/tools.ts';

describe('createMetrics', () => {
  test('registers on the injected registry only, never on the global one', () => {
    const { registry } = newMetrics();
    expect(register.getMetricsAsArray()).toHaveLength(0);
    expect(registry.getSingleMetric('controller_runtime_reconcile_total')).toBeDefined();
  });

  test('a second set of metrics on the same registry is refused rather than merged', () => {
    const { registry, clock } = newMetrics();
    expect(() =>
      createMetrics(registry, {
        version: '1.2.3',
        maxConcurrentReconciles: 1,
        clock,
        resources: () => [],
        defaultPollIntervalMs: 30_000,
        minPollIntervalMs: 5_000,
      }),
    ).toThrow('already been registered');
  });

  test.each([
    { option: 'maxConcurrentReconciles', value: -1 },
    { option: 'defaultPollIntervalMs', value: Number.NaN },
    { option: 'minPollIntervalMs', value: Infinity },
  ])('an invalid $option ($value) is refused', ({ option, value }) => {
    expect(() => newMetrics({ [option]: value })).toThrow(
      `expected ${option} to be a non-negative number, got ${value}`,
    );
  });

  test('label sets that can be enumerated start at zero', async () => {
    const { registry } = newMetrics();
    const c = 'controller="pipelinerunnode"';
    const q = `name="pipelinerunnode",${c}`;
    const want: Record<string, string[]> = {
      controller_runtime_reconcile_total: [
        `controller_runtime_reconcile_total{${c},result="success"} 0`,
        `controller_runtime_reconcile_total{${c},result="error"} 0`,
        `controller_runtime_reconcile_total{${c},result="requeue"} 0`,
        `controller_runtime_reconcile_total{${c},result="requeue_after"} 0`,
      ],
      controller_runtime_reconcile_errors_total: [`controller_runtime_reconcile_errors_total{${c}} 0`],
      controller_runtime_reconcile_panics_total: [`controller_runtime_reconcile_panics_total{${c}} 0`],
      controller_runtime_active_workers: [`controller_runtime_active_workers{${c}} 0`],
      controller_runtime_max_concurrent_reconciles: [`controller_runtime_max_concurrent_reconciles{${c}} 4`],
      workqueue_depth: [`workqueue_depth{${q}} 0`],
      workqueue_adds_total: [`workqueue_adds_total{${q}} 0`],
      workqueue_retries_total: [`workqueue_retries_total{${q}} 0`],
      workqueue_unfinished_work_seconds: [`workqueue_unfinished_work_seconds{${q}} 0`],
      workqueue_longest_running_processor_seconds: [`workqueue_longest_running_processor_seconds{${q}} 0`],
      paiflow_api_throttled_total: [
        'paiflow_api_throttled_total{operation="ListPipelineRunNodeStatus"} 0',
        'paiflow_api_throttled_total{operation="GetPipelineRun"} 0',
        'paiflow_api_throttled_total{operation="ListPipelineRunsStatus"} 0',
      ],
      paiflow_controller_info: ['paiflow_controller_info{version="1.2.3"} 1'],
      paiflow_watch_restarts_total: ['paiflow_watch_restarts_total 0'],
      paiflow_events_failed_total: ['paiflow_events_failed_total 0'],
      rest_client_requests_total: [],
      paiflow_node_completions_total: [],
    };
    for (const [name, lines] of Object.entries(want)) {
      expect({ name, lines: await family(registry, name) }).toEqual({ name, lines });
    }
    expect(await family(registry, 'paiflow_api_requests_total', 'GetPipelineRun')).toEqual(
      ['200', '400', '401', '403', '404', '429', '500', '503', 'none'].map(
        (code) => `paiflow_api_requests_total{operation="GetPipelineRun",code="${code}"} 0`,
      ),
    );
    for (const histogram of [
      'controller_runtime_reconcile_time_seconds',
      'workqueue_queue_duration_seconds',
      'workqueue_work_duration_seconds',
      'paiflow_api_request_duration_seconds',
    ]) {
      expect(await family(registry, histogram, '_count')).not.toHaveLength(0);
    }
  });

  test('per-namespace counters start at zero for the watched namespaces, and once for a namespace first seen', async () => {
    const { registry, metrics } = newMetrics({ namespaces: ['ml'] });
    expect(await family(registry, 'paiflow_node_completions_total')).toEqual([
      'paiflow_node_completions_total{namespace="ml",status="Succeeded"} 0',
      'paiflow_node_completions_total{namespace="ml",status="Failed"} 0',
      'paiflow_node_completions_total{namespace="ml",status="Terminated"} 0',
      'paiflow_node_completions_total{namespace="ml",status="Skipped"} 0',
    ]);
    expect(await family(registry, 'paiflow_node_duration_seconds', '_count')).toEqual([
      'paiflow_node_duration_seconds_count{namespace="ml",status="Succeeded"} 0',
      'paiflow_node_duration_seconds_count{namespace="ml",status="Failed"} 0',
      'paiflow_node_duration_seconds_count{namespace="ml",status="Terminated"} 0',
      'paiflow_node_duration_seconds_count{namespace="ml",status="Skipped"} 0',
    ]);
    expect(await family(registry, 'paiflow_poll_retries_total')).toEqual([
      'paiflow_poll_retries_total{namespace="ml"} 0',
    ]);
    expect(await family(registry, 'paiflow_poll_errors_total', 'Throttled')).toEqual([
      'paiflow_poll_errors_total{namespace="ml",reason="Throttled"} 0',
    ]);

    metrics.handles.pollRetries.inc({ namespace: 'ml' });
    metrics.handles.initNamespace('ml'); // a second call must not reset anything
    metrics.handles.initNamespace('data');
    expect(await family(registry, 'paiflow_poll_retries_total')).toEqual([
      'paiflow_poll_retries_total{namespace="ml"} 1',
      'paiflow_poll_retries_total{namespace="data"} 0',
    ]);
  });

  test('exports exactly the metrics docs/metrics.md lists, with their types and labels', () => {
    const { registry } = newMetrics({ perObjectMetrics: true, sharding: () => Ownership.none('pod-a') });
    const exported = registry
      .getMetricsAsArray()
      // `type` and `labelNames` exist on every prom-client metric but are missing from its typings.
      .map((metric) => metric as unknown as { name: string; type: string; labelNames: string[] })
      .filter(({ name }) => !name.startsWith('process_') && !name.startsWith('nodejs_'))
      .map(({ name, type, labelNames }) => ({ name, type, labels: labelNames }));
    const documented = parseMetricTables(readFileSync(METRICS_DOC, 'utf8'));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(exported.sort(byName)).toEqual(
      documented.map((m) => ({ ...m, labels: [...m.labels] })).sort(byName),
    );
  });

  test("prom-client's default metrics are included, minus the three gauges promtool rejects", () => {
    const { registry } = newMetrics();
    const names = registry.getMetricsAsArray().map((metric) => metric.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'process_cpu_seconds_total',
        'process_start_time_seconds',
        'nodejs_version_info',
        'nodejs_eventloop_lag_seconds',
        'nodejs_active_handles',
        'nodejs_heap_size_used_bytes',
      ]),
    );
    for (const rejected of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      expect(names).not.toContain(rejected);
    }
  });

  test('per-object series are exported only when asked for', async () => {
    const objects = [resource('ml', 'train', { phase: 'Running' })];
    const off = newMetrics();
    off.cache.objects = objects;
    const on = newMetrics({ perObjectMetrics: true });
    on.cache.objects = objects;
    expect(await family(off.registry, 'paiflow_pipelinerunnode_status_phase')).toEqual([]);
    expect(await family(on.registry, 'paiflow_pipelinerunnode_status_phase', '} 1')).toEqual([
      'paiflow_pipelinerunnode_status_phase{namespace="ml",pipelinerunnode="train",phase="Running"} 1',
    ]);
  });

  test('state gauges follow the cache from one scrape to the next', async () => {
    const { registry, cache } = newMetrics();
    cache.objects = [resource('ml', 'a', { phase: 'Running' }), resource('ml', 'b', undefined)];
    expect(await family(registry, 'paiflow_resources', '} 1')).toEqual([
      'paiflow_resources{namespace="ml",phase="Running"} 1',
      'paiflow_resources{namespace="ml",phase="Pending"} 1',
    ]);
    cache.objects = [resource('ml', 'a', { phase: 'Succeeded' })];
    expect(await family(registry, 'paiflow_resources', '} 1')).toEqual([
      'paiflow_resources{namespace="ml",phase="Succeeded"} 1',
    ]);
    cache.objects = [];
    expect(await family(registry, 'paiflow_resources')).toEqual([]);
  });

  describeWithTools('with promtool', [promtoolTool()], () => {
    test('promtool check metrics accepts the whole exposition', async () => {
      const { registry, metrics, cache, clock } = newMetrics({ perObjectMetrics: true, namespaces: ['ml'] });
      // Every adapter fed at least once, with the odd label values (`<error>`, `none`) included.
      metrics.reconciles.reconciled?.({ outcome: 'panic', durationMs: 12 });
      metrics.reconciles.reconciled?.({ outcome: 'requeue_after', durationMs: 3 });
      metrics.reconciles.activeWorkers?.(2);
      metrics.queue.added?.('ml/a');
      metrics.queue.handedOut?.('ml/a');
      clock.advance(1500);
      metrics.queue.retried?.('ml/a');
      metrics.paiflowAttempt({
        operation: 'GetPipelineRun',
        attempt: 1,
        durationMs: 40,
        outcome: 'transient',
      });
      metrics.paiflowAttempt({
        operation: 'ListPipelineRunNodeStatus',
        attempt: 1,
        durationMs: 40,
        outcome: 'throttled',
        httpStatus: 400,
        code: 'Throttling.User',
      });
      metrics.kubeRequest({ code: '<error>', method: 'GET', host: '[::1]:6443' });
      metrics.kubeRequest({ code: '200', method: 'PATCH', host: '10.0.0.1:443' });
      metrics.handles.watchRestarts.inc();
      metrics.handles.eventsFailed.inc();
      const running = computeStatus({
        generation: 1,
        spec: { pipelineRunId: 'flow-1', nodeId: 'n' },
        outcome: {
          kind: 'observed',
          nodeId: 'n',
          nodes: [
            {
              nodeId: 'n',
              nodeName: 'x',
              status: 'Running',
              startedAt: '2025-12-31T23:00:00Z',
              runtimeInfo: { raw: '' },
            },
          ],
        },
        now: clock.now(),
      });
      const failed = computeStatus({
        previous: running,
        generation: 1,
        spec: { pipelineRunId: 'flow-1', nodeId: 'n' },
        outcome: { kind: 'failed', reason: 'Throttled', message: 'slow down', permanent: false },
        now: clock.now(),
      });
      metrics.polls.recordPoll('ml', running, failed);
      const done = { ...running, phase: 'Failed', finishedAt: '2026-01-01T00:00:00Z' };
      metrics.completions.recordTransition('ml', running, done);
      cache.objects = [
        resource('ml', 'a', running),
        resource('ml', 'b', done),
        resource('other', 'c', undefined),
      ];

      const exposition = await registry.metrics();
      const result = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
      expect({ status: result.status, problems: `${result.stdout}${result.stderr}` }).toEqual({
        status: 0,
        problems: '',
      });
    });
  });
});
