/**
 * A real Prometheus (the Debian package) scrapes the controller, as the ServiceMonitor would
 * (job="paiflow-controller", the target in namespace paiflow-system, the ServiceMonitor's
 * metricRelabelings; over HTTPS with its ServiceAccount's token, which the
 * controller has a real kube-apiserver review: the metrics-reader ClusterRole of deploy/rbac bound to
 * it, the controller's review rights from deploy/rbac), and evaluates the shipped alert rules while the
 * controller tracks three PAI nodes in the simulator: one succeeds, one fails, one keeps running.
 * Its HTTP API must return the series the dashboard and alerts rely on, and the failed node must
 * raise PaiflowNodeFailed for the namespace.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import {
  NAMESPACE,
  pipelineRunNode,
  startKubeSimEnvironment,
  waitForResource,
  type Environment,
} from '../support/environment.ts';
import { eventually, prometheusTool, PrometheusServer, type InstantSample } from '../support/prometheus.ts';
import { applyManifests, METRICS_RBAC, metricsReaderToken } from '../support/metrics-access.ts';
import {
  describeWithKubeApiServer,
  START_TIMEOUT_MS,
  startKubeApiServer,
  type TestKubeApiServer,
} from '../support/kube-apiserver.ts';

const JOB = 'paiflow-controller';

/** The ServiceMonitor's metricRelabelings, written as Prometheus's metric_relabel_configs. */
function serviceMonitorRelabelings(): Record<string, unknown>[] {
  const monitor = parse(
    readFileSync(new URL('../../deploy/monitoring/servicemonitor.yaml', import.meta.url), 'utf8'),
  ) as { spec: { endpoints: { metricRelabelings: Record<string, unknown>[] }[] } };
  const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return monitor.spec.endpoints[0]!.metricRelabelings.map((r) =>
    Object.fromEntries(Object.entries(r).map(([key, value]) => [snake(key), value])),
  );
}
const SERIES_TIMEOUT_MS = 15_000;

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const prometheusRule = parse(
  readFileSync(new URL('../../deploy/monitoring/prometheusrule.yaml', import.meta.url), 'utf8'),
) as { spec: { groups: { name: string; rules: { alert: string }[] }[] } };

// PAI time: ReadyToSchedule 1s, Starting 1s, then Running for `duration`.
const NODES = [
  { name: 'quick', runId: 'flow-quick001', nodeId: 'node-quick', duration: '20s', outcome: 'succeed' },
  { name: 'broken', runId: 'flow-broken01', nodeId: 'node-broken', duration: '2m', outcome: 'fail' },
  { name: 'long', runId: 'flow-long0001', nodeId: 'node-long', duration: '10h', outcome: 'succeed' },
];
const WANT_PHASE: Record<string, string> = { quick: 'Succeeded', broken: 'Failed', long: 'Running' };
// Past the quick and the failing node's end, long before the long one's.
const PAI_TIME_MS = 5 * 60_000;

// The controller itself runs against kube-sim (test/support/environment.ts); a real API server
// reviews the scrapes, as it would in a cluster.
describeWithKubeApiServer(
  'Prometheus scraping the controller',
  () => {
    let env: Environment | undefined;
    let prometheus: PrometheusServer | undefined;
    let apiServer: TestKubeApiServer | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-e2e-'));

    /** Prometheus, once beforeAll has started it. */
    function server(): PrometheusServer {
      if (prometheus === undefined) throw new Error('Prometheus did not start');
      return prometheus;
    }

    beforeAll(async () => {
      apiServer = await startKubeApiServer();
      await applyManifests(apiServer, METRICS_RBAC);
      const reviewer = await apiServer.serviceAccount('paiflow-system', 'paiflow-controller');
      const prometheusToken = await metricsReaderToken(apiServer, 'monitoring', 'prometheus');
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, prometheusToken, { mode: 0o600 });
      env = await startKubeSimEnvironment({
        runs: NODES.map((n) => ({
          id: n.runId,
          nodes: [{ id: n.nodeId, name: n.name, duration: n.duration, outcome: n.outcome }],
        })),
        manager: {
          metrics: {
            registry: new Registry(),
            version,
            perObjectMetrics: false,
            address: { host: '127.0.0.1', port: 0 },
            secure: { kubeConfig: reviewer.kubeConfig },
          },
        },
      });
      const metricsUrl = env.manager.metricsUrl;
      if (metricsUrl === undefined) throw new Error('the manager serves no /metrics');
      prometheus = new PrometheusServer({
        rules: prometheusRule.spec,
        scrapeConfigs: [
          {
            job_name: JOB,
            // What the ServiceMonitor of deploy/monitoring renders to (self-signed certificate).
            scheme: 'https',
            authorization: { credentials_file: tokenFile },
            tls_config: { insecure_skip_verify: true },
            metrics_path: new URL(metricsUrl).pathname,
            // The target label prometheus-operator attaches, which collides with the metrics' own.
            static_configs: [
              { targets: [new URL(metricsUrl).host], labels: { namespace: 'paiflow-system' } },
            ],
            metric_relabel_configs: serviceMonitorRelabelings(),
          },
        ],
      });
      await prometheus.start();
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      await prometheus?.stop();
      await env?.close();
      await apiServer?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test("loads the PrometheusRule's groups and alerts, and finds its target up", async () => {
      const loaded = Object.fromEntries(
        (await server().rules()).map((g) => [g.name, g.rules.map((r) => r.name)]),
      );
      expect(loaded).toEqual(
        Object.fromEntries(prometheusRule.spec.groups.map((g) => [g.name, g.rules.map((r) => r.alert)])),
      );
      await expect(waitForSamples(server(), `up{job="${JOB}"} == 1`)).resolves.toEqual([
        { metric: expect.objectContaining({ job: JOB }) as unknown, value: 1 },
      ]);
    });

    test('the nodes reach their states in the controller', async () => {
      const e = environment();
      for (const n of NODES) {
        await e.cluster.create(pipelineRunNode(e, n.name, { pipelineRunId: n.runId, nodeId: n.nodeId }));
      }
      // First observed before PAI time moves, so that each end is a transition the controller sees.
      for (const n of NODES) {
        await waitForResource(e, n.name, (r) => r.status?.phase !== undefined, 'first observation');
      }
      e.paiflow.setTime(PAI_TIME_MS);
      for (const n of NODES) {
        const want = WANT_PHASE[n.name];
        await waitForResource(e, n.name, (r) => r.status?.phase === want, `phase ${want}`);
      }
    });

    // Each expression returns samples once the series shows the scenario's effect, so waiting for
    // samples waits for the scrape after it; `want` then pins the values down.
    const namespace = `namespace="${NAMESPACE}"`;
    test.each([
      {
        name: 'the long node is the one running resource',
        expr: `paiflow_resources{job="${JOB}", ${namespace}, phase="Running"} > 0`,
        want: [{ metric: { namespace: NAMESPACE, phase: 'Running' }, value: 1 }],
      },
      {
        name: 'one node completed Succeeded, counted once',
        expr: `paiflow_node_completions_total{job="${JOB}", ${namespace}, status="Succeeded"} > 0`,
        want: [{ metric: { namespace: NAMESPACE, status: 'Succeeded' }, value: 1 }],
      },
      {
        name: 'one node completed Failed, counted once',
        expr: `paiflow_node_completions_total{job="${JOB}", ${namespace}, status="Failed"} > 0`,
        want: [{ metric: { namespace: NAMESPACE, status: 'Failed' }, value: 1 }],
      },
      {
        name: 'PAIFlow answered node status polls',
        expr: `paiflow_api_requests_total{job="${JOB}", operation="ListPipelineRunNodeStatus", code="200"} > 0`,
        want: [
          { metric: { operation: 'ListPipelineRunNodeStatus', code: '200' }, value: expect.any(Number) },
        ],
      },
      {
        // The reconciler no longer plans requeues: the observer polls the running node every interval.
        name: 'the running node is observed again every poll interval',
        expr: `paiflow_observation_age_seconds_count{job="${JOB}"} > 1`,
        want: [{ metric: { job: JOB }, value: expect.any(Number) }],
      },
      {
        // One observation each: 20 s in the (10, 30] bucket, 120 s in (60, 300]; the quantile
        // interpolates linearly inside the bucket.
        name: 'node durations are histogram_quantile-able, each in its bucket',
        expr: `histogram_quantile(0.5, sum by (le, status) (paiflow_node_duration_seconds_bucket{job="${JOB}", ${namespace}})) > 0`,
        want: [
          { metric: { status: 'Failed' }, value: 180 },
          { metric: { status: 'Succeeded' }, value: 20 },
        ],
      },
    ])('the query API: $name', async ({ expr, want }) => {
      const samples = await waitForSamples(server(), expr);
      expect(samples).toMatchObject(want);
    });

    test('PaiflowNodeFailed is pending or firing for the namespace, no other alert (PaiflowControllerDown) is firing', async () => {
      const failed = await eventually(
        async () => (await server().alerts()).find((a) => a.labels.alertname === 'PaiflowNodeFailed'),
        'the PaiflowNodeFailed alert',
        SERIES_TIMEOUT_MS,
      );
      expect(failed.labels).toEqual({
        alertname: 'PaiflowNodeFailed',
        namespace: NAMESPACE,
        reason: 'Failed',
        severity: 'warning',
      });
      expect(['pending', 'firing']).toContain(failed.state);
      expect(failed.annotations.summary).toBe(`PAI pipeline nodes in namespace ${NAMESPACE} ended Failed.`);

      // The other alerts wait 5 minutes or more (`for`) before firing, or see nothing to fire on.
      const firing = (await server().alerts()).filter((a) => a.state === 'firing');
      expect(firing.map((a) => a.labels.alertname).filter((name) => name !== 'PaiflowNodeFailed')).toEqual(
        [],
      );
    });

    test('every rule evaluates without error against the scraped series', async () => {
      const rules = (await server().rules()).flatMap((g) => g.rules);
      expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
      expect(Object.fromEntries(rules.map((r) => [r.name, r.state]))).toMatchObject({
        PaiflowControllerDown: 'inactive',
        PaiflowNodeRunningTooLong: 'inactive',
      });
    });

    function environment(): Environment {
      if (env === undefined) throw new Error('the environment did not start');
      return env;
    }
  },
  [prometheusTool()],
);

/** Waits until `expr` returns samples; resolves with them. */
function waitForSamples(prometheus: PrometheusServer, expr: string): Promise<InstantSample[]> {
  return eventually(
    async () => {
      const samples = await prometheus.query(expr);
      return samples.length > 0 ? samples : undefined;
    },
    `samples of ${expr}`,
    SERIES_TIMEOUT_MS,
  );
}
