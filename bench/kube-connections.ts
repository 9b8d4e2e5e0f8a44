/**
 * `npm run bench:kube-connections [-- --resources N]`: what sharing Kubernetes connections saves in
 * a controller's warm-up against a real kube-apiserver over TLS (docs/benchmarks.md).
 *
 * Starts the test harness's etcd + kube-apiserver (test/support/kube-apiserver.ts; build them first,
 * see docs/testing.md) and the PAIFlow simulator, creates N PipelineRunNodes in each of two
 * namespaces, then runs the warm-up (initial list, first poll, status write and Event of every
 * resource) in a fresh process per side: first with client-node's own behaviour (a new connection
 * per request), then with PooledKubeConfig. Prints requests, new connections, CPU and the ratios.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { PooledKubeConfig } from '../src/kube/pooled-kube-config.ts';
import { PaiflowSimulator, validateScenario } from '../src/sandbox/paiflow-sim/index.ts';
import { startKubeApiServer } from '../test/support/kube-apiserver.ts';
import { BenchChild } from './child-process.ts';
import { ACCESS_KEY, CREDENTIALS_SECRET, resourceOf, runsFor, SCENARIO_TIME_MS, targets } from './fixture.ts';
import type { KubeWarmupConfig, KubeWarmupResult } from './kube-connections-phase.ts';

const { values } = parseArgs({
  options: {
    resources: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '4' },
    'timeout-seconds': { type: 'string', default: '600' },
  },
});
const resources = Number(values.resources);
const workers = Number(values.workers);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
if (!Number.isInteger(resources) || resources < 1)
  throw new Error(`--resources: expected a positive integer`);

const SIDES = [
  { label: 'one connection per request (client-node 2.0.1)', namespace: 'bench-before', share: false },
  { label: 'PooledKubeConfig', namespace: 'bench-after', share: true },
] as const;

const apiServer = await startKubeApiServer();
const paiflow = new PaiflowSimulator({
  accessKeys: [ACCESS_KEY],
  scenario: validateScenario({ runs: runsFor(resources) }),
  clock: { kind: 'manual' },
});
try {
  paiflow.setTime(SCENARIO_TIME_MS);
  const paiflowUrl = await paiflow.listen({ host: '127.0.0.1', port: 0 });
  console.log(
    `kube-apiserver ${apiServer.version} at ${apiServer.url}; creating ${resources} resources in each of 2 namespaces`,
  );
  await populate(apiServer.admin, paiflowUrl);

  const results: KubeWarmupResult[] = [];
  for (const side of SIDES) {
    const config: KubeWarmupConfig = {
      kubeconfig: apiServer.admin.exportConfig(),
      namespace: side.namespace,
      resources,
      shareConnections: side.share,
      workers,
      timeoutMs,
    };
    const child = new BenchChild('kube-connections-phase.ts', [JSON.stringify(config)]);
    try {
      const message = (await child.message(timeoutMs + 60_000)) as
        KubeWarmupResult | { kind: 'error'; message: string };
      if (message.kind === 'error') throw new Error(`${side.label}: ${message.message}`);
      results.push(message);
    } finally {
      await child.stop(10_000);
    }
  }
  report(results);
} finally {
  await paiflow.close();
  await apiServer.stop();
}

/** The CRD, then per namespace: the namespace, the credentials Secret and N PipelineRunNodes. */
async function populate(admin: KubeConfig, paiflowUrl: string): Promise<void> {
  const pooled = new PooledKubeConfig({ source: admin });
  try {
    const objects = KubernetesObjectApi.makeApiClient(pooled);
    const crd = parseAllDocuments(readFileSync(new URL('../deploy/crd.yaml', import.meta.url), 'utf8'))[0];
    await objects.create(crd!.toJS() as never);
    await waitForCrd(pooled);
    const core = pooled.makeApiClient(CoreV1Api);
    const custom = pooled.makeApiClient(CustomObjectsApi);
    for (const { namespace } of SIDES) {
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name: CREDENTIALS_SECRET }, stringData: { ...ACCESS_KEY } },
      });
      const queue = targets(resources);
      const create = async (): Promise<void> => {
        for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
          const body = resourceOf(t, paiflowUrl, '10m');
          (body.metadata as { namespace: string }).namespace = namespace;
          await custom.createNamespacedCustomObject({
            group: 'paiflow.dev',
            version: 'v1alpha1',
            namespace,
            plural: 'pipelinerunnodes',
            body,
          });
        }
      };
      await Promise.all(Array.from({ length: 16 }, create));
    }
  } finally {
    await pooled.close();
  }
}

/** Until the API server serves the new resource (the CRD is Established). */
async function waitForCrd(kc: KubeConfig): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await custom.listClusterCustomObject({
        group: 'paiflow.dev',
        version: 'v1alpha1',
        plural: 'pipelinerunnodes',
      });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function report([before, after]: KubeWarmupResult[]): void {
  if (before === undefined || after === undefined) throw new Error('a side produced no result');
  const rows: [string, (r: KubeWarmupResult) => string][] = [
    ['warm-up seconds', (r) => r.seconds.toFixed(1)],
    ['Kubernetes requests', (r) => String(r.kubeRequests)],
    ['new connections', (r) => String(r.newConnections)],
    [
      '  by protocol',
      (r) =>
        Object.entries(r.protocols)
          .map(([p, n]) => `${p} ${n}`)
          .join(', '),
    ],
    ['CPU ms', (r) => r.cpuMs.toFixed(0)],
    ['CPU ms per resource', (r) => (r.cpuMs / resources).toFixed(3)],
  ];
  console.log(`\nwarm-up of ${resources} resources, ${workers} workers, over TLS to a real kube-apiserver\n`);
  console.log(
    `${''.padEnd(24)}${'per request'.padStart(14)}${'shared'.padStart(14)}${'shared / per request'.padStart(24)}`,
  );
  for (const [name, cell] of rows) {
    const ratio =
      name === 'new connections'
        ? ratioOf(after.newConnections, before.newConnections)
        : name === 'CPU ms'
          ? ratioOf(after.cpuMs, before.cpuMs)
          : name === 'warm-up seconds'
            ? ratioOf(after.seconds, before.seconds)
            : '';
    console.log(
      `${name.padEnd(24)}${cell(before).padStart(14)}${cell(after).padStart(14)}${ratio.padStart(24)}`,
    );
  }
  console.log(
    `\nconnections per request: ${(before.newConnections / before.kubeRequests).toFixed(3)} before, ${(after.newConnections / after.kubeRequests).toFixed(4)} after`,
  );
}

function ratioOf(a: number, b: number): string {
  return b === 0 ? 'n/a' : `${(a / b).toFixed(3)}x`;
}
