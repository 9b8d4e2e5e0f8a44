/**
 * Child process of the benchmark: kube-sim (with the real CRD, the namespace, the credentials
 * Secret and N PipelineRunNodes) and the PAIFlow simulator (N long runs on a manual clock), both on
 * 127.0.0.1. Run apart from the measured side so their CPU is not counted as the controller's.
 *
 * Usage: `node bench/simulators.ts <resources> <pollInterval>`, forked with an IPC channel. Sends one
 * {@link SimulatorsReady} message; stops when the parent disconnects (also when it dies) or on SIGTERM.
 * The parent reads request counts over each simulator's `/_sim/` admin API.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { KubeSim } from '../src/sandbox/kube-sim/kube-sim.ts';
import { PaiflowSimulator, validateScenario } from '../src/sandbox/paiflow-sim/index.ts';
import {
  ACCESS_KEY,
  CREDENTIALS_SECRET,
  NAMESPACE,
  resourceOf,
  runOf,
  SCENARIO_TIME_MS,
  targets,
} from './fixture.ts';

export interface SimulatorsReady {
  kind: 'ready';
  kubeUrl: string;
  kubeconfig: string;
  paiflowUrl: string;
}

async function main(): Promise<void> {
  const [resourcesArg = '', pollInterval = ''] = process.argv.slice(2);
  const resources = Number(resourcesArg);
  if (!Number.isInteger(resources) || resources < 1 || pollInterval === '' || process.send === undefined) {
    throw new Error('usage: node bench/simulators.ts <resources> <pollInterval>, forked with IPC');
  }
  const all = targets(resources);

  const paiflow = new PaiflowSimulator({
    accessKeys: [ACCESS_KEY],
    scenario: validateScenario({ runs: all.map(runOf) }),
    clock: { kind: 'manual' },
  });
  paiflow.setTime(SCENARIO_TIME_MS);
  const paiflowUrl = await paiflow.listen({ host: '127.0.0.1', port: 0 });

  // kube-sim keeps this many changes for watches; the initial status writes must not push the
  // informer's resourceVersion out of the window (a 410 would relist mid-benchmark).
  const kube = new KubeSim({ historyLimit: Math.max(1000, 4 * resources) });
  const crd = parseAllDocuments(readFileSync(new URL('../deploy/crd.yaml', import.meta.url), 'utf8'))[0];
  if (crd === undefined) throw new Error('deploy/crd.yaml holds no document');
  kube.create(crd.toJS() as Record<string, unknown>);
  const kubeUrl = await kube.listen({ host: '127.0.0.1', port: 0 });
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CREDENTIALS_SECRET, namespace: NAMESPACE },
    stringData: { ...ACCESS_KEY },
  });
  for (const t of all) kube.create(resourceOf(t, paiflowUrl, pollInterval));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all([kube.close(), paiflow.close()]);
      if (process.connected) process.disconnect();
    })());
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());

  const ready: SimulatorsReady = { kind: 'ready', kubeUrl, kubeconfig: kube.kubeconfig(), paiflowUrl };
  process.send(ready);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
