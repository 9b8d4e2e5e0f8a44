import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import { collect, type Child } from '../../src/cli/commands/child-process.test-helper.ts';
import { MAX_SECRET_VALUE_BYTES } from '../../src/kube/secret-reader.ts';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { PaiflowSimulator, validateScenario } from '../../src/sandbox/paiflow-sim/index.ts';
import { deploymentMemoryLimit, peakRssBytes, startRun } from '../support/controller-process.ts';
import { ACCESS_KEY, NAMESPACE, readCrd, waitFor } from '../support/environment.ts';

// One namespace's Secrets must not be able to fill the controller's memory (and get it OOM-killed
// for everyone): 200 Secrets of 0.9 MB each, named by 200 resources, read by the real `run` command
// in a child process. Its V8 heap is capped below the 180 MB those Secrets hold, as a container's
// memory limit would cap it (V8 otherwise sizes its heap from the machine's 24 GiB and collects
// late, see docs/benchmarks.md): a cache that kept them would die here. Peak RSS stays below the
// Deployment's 512Mi limit. Half the Secrets hold the big value in accessKeySecret (refused:
// InvalidSecret, naming the Secret and key); half hold valid credentials plus a big unrelated key
// (polled as usual).

const COUNT = 200;
const BIG = 900 * 1024;
const RUN = { id: 'flow-bounded', nodeId: 'node-1' };
const HEAP_LIMIT_MIB = 160;

let dir: string;
let kube: KubeSim;
let paiflow: PaiflowSimulator;
let child: Child | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bounded-secrets-'));
  kube = new KubeSim();
  kube.create(readCrd());
  await kube.listen({ host: '127.0.0.1', port: 0 });
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  paiflow = new PaiflowSimulator({
    accessKeys: [ACCESS_KEY],
    scenario: validateScenario({ runs: [{ id: RUN.id, nodes: [{ id: RUN.nodeId, duration: '10h' }] }] }),
    clock: { kind: 'manual' },
  });
  await paiflow.listen();
  paiflow.setTime(60_000);
  writeFileSync(join(dir, 'kubeconfig'), kube.kubeconfig());
});

afterAll(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  await paiflow.close();
  await kube.close();
  rmSync(dir, { recursive: true, force: true });
});

function resource(name: string): PipelineRunNode | undefined {
  return kube.get({
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    namespace: NAMESPACE,
    name,
  }) as PipelineRunNode | undefined;
}

test('200 Secrets of 0.9 MB: big credentials refused by name, others polled, peak RSS bounded', async () => {
  const padding = 'x'.repeat(BIG);
  for (let i = 0; i < COUNT; i++) {
    const bigCredential = i % 2 === 0;
    kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `big-${i}`, namespace: NAMESPACE },
      stringData: bigCredential
        ? { accessKeyId: ACCESS_KEY.accessKeyId, accessKeySecret: padding }
        : { ...ACCESS_KEY, padding },
    });
    kube.create({
      apiVersion: 'paiflow.dev/v1alpha1',
      kind: 'PipelineRunNode',
      metadata: { name: `prn-${i}`, namespace: NAMESPACE },
      spec: {
        endpoint: paiflow.endpoint,
        pipelineRunId: RUN.id,
        nodeId: RUN.nodeId,
        credentialsSecretRef: { name: `big-${i}` },
      },
    });
  }
  child = startRun(join(dir, 'kubeconfig'), [], { NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MIB}` });
  const stderr = collect(child.stderr);
  const { pid } = child;
  if (pid === undefined) throw new Error('run did not start');

  await waitFor(
    () => {
      if (child?.exitCode !== null) throw new Error(`run exited: ${stderr()}`);
      return Array.from({ length: COUNT }, (_, i) => resource(`prn-${i}`)).every((r, i) =>
        i % 2 === 0
          ? r?.status?.conditions?.some((c) => c.type === 'Synced' && c.reason === 'InvalidSecret')
          : r?.status?.phase === 'Running',
      );
    },
    'every resource to be refused or polled',
    60_000,
  );

  const synced = resource('prn-0')?.status?.conditions?.find((c) => c.type === 'Synced');
  expect(synced).toMatchObject({ status: 'False', reason: 'InvalidSecret' });
  expect(synced?.message).toContain(`Secret ${NAMESPACE}/big-0 key "accessKeySecret" holds ${BIG} bytes`);
  expect(synced?.message).toContain(`${MAX_SECRET_VALUE_BYTES}`);
  expect(resource('prn-0')?.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
    status: 'True',
    reason: 'InvalidSecret',
  });
  const peak = peakRssBytes(pid);
  console.log(`run: peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB with ${COUNT} Secrets of ${BIG} bytes`);
  expect(peak).toBeLessThan(deploymentMemoryLimit());
  expect(child.exitCode).toBeNull();
}, 90_000);
