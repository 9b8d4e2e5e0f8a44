/**
 * The Grafana dashboard of paiflow-controller, as typed code (@grafana/grafana-foundation-sdk).
 * `deploy/monitoring/dashboard.json` is its output and is never edited by hand: change this file,
 * then regenerate with
 *
 *   node deploy/monitoring/dashboard.ts
 *
 * test/monitoring/dashboard.test.ts fails when the JSON and this file disagree, when an expression
 * does not parse, or when it names a metric or label that docs/metrics.md does not list.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import { PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { DATASOURCE, graph, quantiles, query, singleStat, thresholds } from './panels.ts';

/** Where the generated dashboard is committed. */
export const DASHBOARD_PATH = fileURLToPath(new URL('./dashboard.json', import.meta.url));

// The job label the ServiceMonitor sets; the alerts select on it too.
const JOB = 'job="paiflow-controller"';
const NS = `${JOB}, namespace=~"$namespace"`;
const CONTROLLER = `${JOB}, controller="pipelinerunnode"`;
const QUEUE = `${JOB}, name="pipelinerunnode"`;
const UNFINISHED = 'phase!~"Succeeded|Succeed|Failed|Terminated|Skipped"';
const RUNNING_TOO_LONG_SECONDS = 21600; // PaiflowNodeRunningTooLong's threshold

function overview(): Builder<Panel>[] {
  return [
    new stat.PanelBuilder()
      .title('Controller targets up')
      .description('Scrape targets of job paiflow-controller that are up. 0 fires PaiflowControllerDown.')
      .datasource(DATASOURCE)
      .targets([query(`sum(up{${JOB}})`, 'up').instant()])
      .span(4)
      .height(4)
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.Background)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
      .thresholds(
        thresholds([
          { value: null, color: 'red' },
          { value: 1, color: 'green' },
        ]),
      ),
    singleStat({
      title: 'Unfinished nodes',
      description: 'PipelineRunNodes whose PAI status is not final (they are polled).',
      targets: [
        query(`sum(max by (namespace, phase) (paiflow_resources{${NS}, ${UNFINISHED}}))`, 'unfinished'),
      ],
    }),
    singleStat({
      title: 'Failed nodes in range',
      description:
        'Nodes that ended Failed or Terminated during the selected time range (Skipped nodes, a branch not taken, are not failures).',
      targets: [
        query(
          `sum(increase(paiflow_node_completions_total{${NS}, status=~"Failed|Terminated"}[$__range]))`,
          'failed',
        ),
      ],
      redFrom: 1,
    }),
    singleStat({
      title: 'Stalled resources',
      description: 'Resources with Stalled=True: failed nodes and configuration problems.',
      targets: [query(`sum(max by (namespace, reason) (paiflow_resources_stalled{${NS}}))`, 'stalled')],
      redFrom: 1,
    }),
    singleStat({
      title: 'Stale resources',
      description: 'Unfinished resources without a successful poll for 3 poll intervals + 5 minutes.',
      targets: [query(`sum(max by (namespace) (paiflow_resources_stale{${NS}}))`, 'stale')],
      redFrom: 1,
    }),
    singleStat({
      title: 'Controller version',
      description: 'paiflow_controller_info: the running version(s).',
      targets: [query(`max by (version) (paiflow_controller_info{${JOB}})`, '{{version}}')],
      showName: true,
    }),
  ];
}

function nodeOutcomes(): Builder<Panel>[] {
  const durationBuckets = `paiflow_node_duration_seconds_bucket{${NS}}`;
  return [
    graph({
      title: 'Node completions by status',
      description: 'Nodes that finished in each interval, by final PAI status; each node is counted once.',
      targets: [
        query(`sum by (status) (increase(paiflow_node_completions_total{${NS}}[$__interval]))`, '{{status}}'),
      ],
      bars: true,
      stacked: true,
      interval: '5m',
    }),
    graph({
      title: 'Node duration by status',
      description: 'finishedAt - startedAt of the nodes that finished in each interval.',
      targets: quantiles(`sum by (le, status) (increase(${durationBuckets}[$__interval]))`, '{{status}}'),
      unit: 's',
      interval: '30m',
    }),
    new heatmap.PanelBuilder()
      .title('Node duration distribution')
      .description('How many finished nodes ran how long (all statuses), per interval.')
      .datasource(DATASOURCE)
      .targets([
        query(`sum by (le) (increase(${durationBuckets}[$__interval]))`, '{{le}}').format(
          PromQueryFormat.Heatmap,
        ),
      ])
      .interval('30m')
      .span(8)
      .height(8)
      .calculate(false)
      .yAxis(new heatmap.YAxisConfigBuilder().unit('s'))
      .color(
        new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Oranges'),
      ),
  ];
}

function runningNodes(): Builder<Panel>[] {
  return [
    graph({
      title: 'Resources by PAI status',
      description:
        'PipelineRunNodes by current status (phase); Pending: no status yet, Other: unknown status.',
      targets: [query(`sum by (phase) (max by (namespace, phase) (paiflow_resources{${NS}}))`, '{{phase}}')],
      stacked: true,
    }),
    graph({
      title: 'Oldest running node age',
      description:
        'Age of the oldest started, unfinished node per namespace; the line is PaiflowNodeRunningTooLong.',
      targets: [query(`max by (namespace) (paiflow_running_node_max_age_seconds{${NS}})`, '{{namespace}}')],
      unit: 's',
      alertAt: RUNNING_TOO_LONG_SECONDS,
    }),
    new table.PanelBuilder()
      .title('Longest-running nodes')
      .description(
        'Needs the controller flag --per-object-metrics (or the kube-state-metrics configuration, ' +
          'with kube_pipelinerunnode_* names). Unfinished nodes by time since they started.',
      )
      .datasource(DATASOURCE)
      .targets([
        query(
          `topk(20, time() - (paiflow_pipelinerunnode_started_timestamp_seconds{${NS}}` +
            ` and on (namespace, pipelinerunnode) (paiflow_pipelinerunnode_status_phase{${NS}, ${UNFINISHED}} == 1)))`,
          '',
        )
          .instant()
          .format(PromQueryFormat.Table),
      ])
      .unit('s')
      .span(8)
      .height(8),
  ];
}

function staleAndStalled(): Builder<Panel>[] {
  return [
    graph({
      title: 'Stalled resources by reason',
      description:
        'Stalled=True by namespace and reason. Failed/Terminated: PaiflowNodeFailed; ' +
        'other reasons (configuration): PaiflowResourcesStalled.',
      targets: [
        query(
          `max by (namespace, reason) (paiflow_resources_stalled{${NS}}) > 0`,
          '{{namespace}} {{reason}}',
        ),
      ],
    }),
    graph({
      title: 'Stale resources',
      description:
        'Unfinished resources without a successful poll for 3 poll intervals + 5 minutes (PaiflowResourcesStale).',
      targets: [query(`max by (namespace) (paiflow_resources_stale{${NS}}) > 0`, '{{namespace}}')],
    }),
    graph({
      title: 'Poll errors by reason',
      description:
        'Failed polls per second, by the Synced=False reason; retries are polls retrying a failed one.',
      targets: [
        query(`sum by (reason) (rate(paiflow_poll_errors_total{${NS}}[$__rate_interval]))`, '{{reason}}'),
        query(`sum(rate(paiflow_poll_retries_total{${NS}}[$__rate_interval]))`, 'retries'),
      ],
      unit: 'ops',
    }),
  ];
}

function observer(): Builder<Panel>[] {
  return [
    graph({
      title: 'Observation age',
      description:
        'The longest wait for a good answer from PAIFlow among polled resources, in seconds and in ' +
        'units of their own poll interval (PaiflowObservationsLate fires above 3), and the p95 of ' +
        'the time between good observations.',
      targets: [
        query(`max(paiflow_observation_age_max_seconds{${JOB}})`, 'max age (s)'),
        query(`max(paiflow_observation_age_max_intervals{${JOB}})`, 'max age (intervals)'),
        ...quantiles(
          `sum by (le) (rate(paiflow_observation_age_seconds_bucket{${JOB}}[$__rate_interval]))`,
          'age',
        ),
      ],
      unit: 's',
      span: 6,
    }),
    graph({
      title: 'Poll backlog and batch fallbacks',
      description:
        'Resources whose poll is due but not made yet (waiting for the PAIFlow budget), and ' +
        'endpoints that refused batched calls (their batch size was halved).',
      targets: [
        query(`sum(paiflow_poll_backlog{${JOB}})`, 'backlog'),
        query(
          `sum by (endpoint) (increase(paiflow_batch_fallbacks_total{${JOB}}[$__rate_interval]))`,
          'fallbacks {{endpoint}}',
        ),
      ],
      unit: 'short',
      span: 6,
    }),
    graph({
      title: 'Nodes per batched call',
      description: 'Nodes asked for per ListPipelineRunsStatus call (at most --paiflow-batch-size).',
      targets: quantiles(`sum by (le) (rate(paiflow_batch_nodes_bucket{${JOB}}[$__rate_interval]))`, 'nodes'),
      unit: 'short',
      span: 6,
    }),
    graph({
      title: 'PAIFlow calls by action',
      description: 'Batched status calls against detail calls: in steady state nearly all are batched.',
      targets: [
        query(
          `sum by (operation) (rate(paiflow_api_requests_total{${JOB}}[$__rate_interval]))`,
          '{{operation}}',
        ),
      ],
      unit: 'reqps',
      span: 6,
    }),
  ];
}

function paiflowApi(): Builder<Panel>[] {
  const requests = `paiflow_api_requests_total{${JOB}}`;
  return [
    graph({
      title: 'PAIFlow requests by operation and code',
      description: 'All namespaces. code "none": no answer (network error, timeout).',
      targets: [
        query(`sum by (operation, code) (rate(${requests}[$__rate_interval]))`, '{{operation}} {{code}}'),
      ],
      unit: 'reqps',
      span: 6,
    }),
    graph({
      title: 'PAIFlow error share',
      description:
        'Share of requests with an error answer (non-2xx, throttled answers aside) or none, as ' +
        'PaiflowAPIErrorRateHigh computes it; the line is its threshold.',
      targets: [
        query(
          `(sum(rate(paiflow_api_requests_total{${JOB}, code!~"2.."}[$__rate_interval]))` +
            ` - (sum(rate(paiflow_api_throttled_total{${JOB}}[$__rate_interval])) or vector(0)))` +
            ` / sum(rate(${requests}[$__rate_interval]))`,
          'errors',
        ),
      ],
      unit: 'percentunit',
      alertAt: 0.1,
      span: 6,
    }),
    graph({
      title: 'PAIFlow latency',
      description: 'Request duration by operation.',
      targets: quantiles(
        `sum by (le, operation) (rate(paiflow_api_request_duration_seconds_bucket{${JOB}}[$__rate_interval]))`,
        '{{operation}}',
      ),
      unit: 's',
      span: 6,
    }),
    graph({
      title: 'PAIFlow throttling',
      description: 'Throttled answers (HTTP 429, Throttling.*) per second, by operation.',
      targets: [
        query(
          `sum by (operation) (rate(paiflow_api_throttled_total{${JOB}}[$__rate_interval]))`,
          '{{operation}}',
        ),
      ],
      unit: 'reqps',
      span: 6,
    }),
  ];
}

function reconcileAndQueue(): Builder<Panel>[] {
  return [
    graph({
      title: 'Reconciles by result',
      description:
        'Reconciles per second by outcome. None for 15 minutes while nodes run: PaiflowControllerNotReconciling.',
      targets: [
        query(
          `sum by (result) (rate(controller_runtime_reconcile_total{${CONTROLLER}}[$__rate_interval]))`,
          '{{result}}',
        ),
      ],
      unit: 'ops',
      stacked: true,
    }),
    graph({
      title: 'Reconcile errors',
      description:
        'Reconciles that failed, those that threw a non-Error, and failed keys re-added with backoff.',
      targets: [
        query(
          `sum(rate(controller_runtime_reconcile_errors_total{${CONTROLLER}}[$__rate_interval]))`,
          'errors',
        ),
        query(
          `sum(rate(controller_runtime_reconcile_panics_total{${CONTROLLER}}[$__rate_interval]))`,
          'panics',
        ),
        query(`sum(rate(workqueue_retries_total{${QUEUE}}[$__rate_interval]))`, 'queue retries'),
      ],
      unit: 'ops',
    }),
    graph({
      title: 'Reconcile duration',
      description: 'Time one reconcile takes (a poll of PAIFlow plus the status write).',
      targets: quantiles(
        `sum by (le) (rate(controller_runtime_reconcile_time_seconds_bucket{${CONTROLLER}}[$__rate_interval]))`,
        '',
      ),
      unit: 's',
    }),
    graph({
      title: 'Work queue depth and adds',
      description: 'Keys waiting for a worker, and keys added per second.',
      targets: [
        query(`sum(workqueue_depth{${QUEUE}})`, 'depth'),
        query(`sum(rate(workqueue_adds_total{${QUEUE}}[$__rate_interval]))`, 'adds/s'),
      ],
    }),
    graph({
      title: 'Queue wait and work duration (p95)',
      description: 'How long a key waits for a worker, and how long processing it takes.',
      targets: [
        query(
          `histogram_quantile(0.95, sum by (le) (rate(workqueue_queue_duration_seconds_bucket{${QUEUE}}[$__rate_interval])))`,
          'wait',
        ),
        query(
          `histogram_quantile(0.95, sum by (le) (rate(workqueue_work_duration_seconds_bucket{${QUEUE}}[$__rate_interval])))`,
          'work',
        ),
      ],
      unit: 's',
    }),
    graph({
      title: 'Workers and work in progress',
      description:
        'Busy workers against the configured maximum; the longest-running key and the total time of ' +
        'keys in progress (a steady climb means a stuck reconcile).',
      targets: [
        query(`sum(controller_runtime_active_workers{${CONTROLLER}})`, 'active workers'),
        query(`max(controller_runtime_max_concurrent_reconciles{${CONTROLLER}})`, 'max workers'),
        query(`max(workqueue_longest_running_processor_seconds{${QUEUE}})`, 'longest running (s)'),
        query(`sum(workqueue_unfinished_work_seconds{${QUEUE}})`, 'unfinished work (s)'),
      ],
    }),
  ];
}

function controllerProcess(): Builder<Panel>[] {
  return [
    graph({
      title: 'Kubernetes API requests',
      description: 'Requests from the controller to the API server by code and method.',
      targets: [
        query(
          `sum by (code, method) (rate(rest_client_requests_total{${JOB}}[$__rate_interval]))`,
          '{{method}} {{code}}',
        ),
      ],
      unit: 'reqps',
      span: 6,
    }),
    graph({
      title: 'Watch restarts and refused Events',
      description:
        'Informer restarts (watch or list errors, silent watches) and Events the API server refused.',
      targets: [
        query(`sum(increase(paiflow_watch_restarts_total{${JOB}}[$__interval]))`, 'watch restarts'),
        query(`sum(increase(paiflow_events_failed_total{${JOB}}[$__interval]))`, 'refused events'),
      ],
      span: 6,
    }),
    graph({
      title: 'CPU and event loop',
      description: 'CPU used (cores) and the p99 event loop delay, per instance.',
      targets: [
        query(
          `sum by (instance) (rate(process_cpu_seconds_total{${JOB}}[$__rate_interval]))`,
          'cpu {{instance}}',
        ),
        query(`max by (instance) (nodejs_eventloop_lag_p99_seconds{${JOB}})`, 'loop lag p99 {{instance}}'),
      ],
      span: 6,
    }),
    graph({
      title: 'Memory',
      description: 'Resident memory and JavaScript heap in use, per instance.',
      targets: [
        query(`max by (instance) (process_resident_memory_bytes{${JOB}})`, 'rss {{instance}}'),
        query(`max by (instance) (nodejs_heap_size_used_bytes{${JOB}})`, 'heap {{instance}}'),
      ],
      unit: 'bytes',
      span: 6,
    }),
  ];
}

/**
 * Builds the dashboard. Pure: the same output on every call.
 *
 * It uses Grafana's classic dashboard JSON model, which the SDK marks deprecated in favour of the
 * v2 schema: v2 needs Grafana 12 with a feature toggle, the classic model imports into any Grafana
 * and into the Grafana Operator and sidecar provisioning.
 */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- the classic model, on purpose (above)
export function buildDashboard(): Dashboard {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the classic model, on purpose (above)
  const builder = new DashboardBuilder('paiflow-controller')
    .uid('paiflow-controller')
    .description('PAI pipeline nodes tracked by paiflow-controller, and the controller itself.')
    .tags(['paiflow', 'kubernetes', 'controller'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .timezone('browser')
    // Grafana's own "Annotations & Alerts", which Grafana adds to every dashboard it saves.
    .annotation(
      new AnnotationQueryBuilder()
        .name('Annotations & Alerts')
        .builtIn(1)
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .type('dashboard')
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)'),
    )
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('namespace')
        .label('Namespace')
        .datasource(DATASOURCE)
        .query(`label_values(paiflow_resources{${JOB}}, namespace)`)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    );
  const rows: [string, Builder<Panel>[]][] = [
    ['Overview', overview()],
    ['Node outcomes', nodeOutcomes()],
    ['Running nodes', runningNodes()],
    ['Stalled and stale resources', staleAndStalled()],
    ['PAIFlow API (all namespaces)', paiflowApi()],
    ['Observer: batched polling (all namespaces)', observer()],
    ['Reconciles and work queue', reconcileAndQueue()],
    ['Controller process and Kubernetes API', controllerProcess()],
  ];
  for (const [title, panels] of rows) {
    builder.withRow(new RowBuilder(title));
    for (const panel of panels) builder.withPanel(panel);
  }
  const dashboard = builder.build();
  // Grafana wants unique panel ids and a refId per query; the SDK leaves them to us.
  (dashboard.panels ?? []).forEach((panel, index) => {
    panel.id = index + 1;
    if ('targets' in panel) {
      (panel.targets ?? []).forEach((target, i) => {
        // Every query type has a refId; the SDK's common query type does not say so.
        (target as { refId?: string }).refId = String.fromCharCode(65 + i);
      });
    }
  });
  return dashboard;
}

/** The dashboard as committed: JSON formatted the way the repository's Prettier formats it. */
export async function renderDashboard(): Promise<string> {
  const prettier = await import('prettier');
  const options = await prettier.resolveConfig(DASHBOARD_PATH);
  return prettier.format(JSON.stringify(buildDashboard()), { ...options, parser: 'json' });
}

if (import.meta.main) {
  await writeFile(DASHBOARD_PATH, await renderDashboard());
}
