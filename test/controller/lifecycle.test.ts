import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import {
  condition,
  getResource,
  kubectl,
  NAMESPACE,
  pipelineRunNode,
  startEnvironment,
  waitFor,
  type Environment,
} from '../support/environment.ts';

// A run that goes Initialized, Running, Succeeded: status and conditions follow the design's table,
// and real kubectl sees it (wait, get columns).

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({
    runs: [
      {
        id: 'flow-ok0001',
        startAfter: '10s',
        nodes: [
          { id: 'node-prep', name: 'prepare', duration: '1m', runtimeInfo: { JOB: 'dlc-1' } },
          { id: 'node-train', name: 'train', dependsOn: ['node-prep'], duration: '2m' },
        ],
      },
    ],
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await env.close();
});

test('a node goes Initialized, Running, Succeeded; conditions follow; kubectl wait returns', async () => {
  await env.cluster.create(
    pipelineRunNode(env, 'prep', { pipelineRunId: 'flow-ok0001', nodeId: 'node-prep' }),
  );

  let r = await waitFor(async () => {
    const res = await getResource(env, 'prep');
    return res?.status?.phase === 'Initialized' && res;
  }, 'phase Initialized');
  expect(condition(r, 'Ready')).toMatchObject({ status: 'Unknown' });
  expect(condition(r, 'Reconciling')).toMatchObject({ status: 'True' });
  expect(condition(r, 'Stalled')).toMatchObject({ status: 'False' });
  expect(condition(r, 'Synced')).toMatchObject({ status: 'True' });
  expect(r.status?.observedGeneration).toBe(r.metadata.generation);

  const waiting = kubectl(env, 'wait', '-n', NAMESPACE, '--for=condition=Ready', 'prn/prep', '--timeout=30s');

  env.paiflow.setTime(30_000);
  r = await waitFor(async () => {
    const res = await getResource(env, 'prep');
    return res?.status?.phase === 'Running' && res;
  }, 'phase Running');
  expect(r.status).toMatchObject({
    nodeId: 'node-prep',
    nodeName: 'prepare',
    startedAt: expect.any(String),
    runtimeInfo: { JOB: 'dlc-1' },
  });

  env.paiflow.setTime(5 * 60_000);
  r = await waitFor(async () => {
    const res = await getResource(env, 'prep');
    return res?.status?.phase === 'Succeeded' && res;
  }, 'phase Succeeded');
  expect(condition(r, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  expect(condition(r, 'Reconciling')).toMatchObject({ status: 'False' });
  expect(condition(r, 'Stalled')).toMatchObject({ status: 'False' });
  expect(r.status?.finishedAt).toEqual(expect.any(String));

  const waited = await waiting;
  expect(waited).toMatchObject({ code: 0 });
  expect(waited.stdout).toContain('condition met');

  const table = await kubectl(env, 'get', 'prn', '-n', NAMESPACE);
  expect(table.stdout).toMatch(/^NAME\s+READY\s+SYNCED\s+PHASE\s+PROGRESS\s+REASON\s+AGE\n/);
  // Succeeded and synced: nothing is wrong, so REASON is empty.
  expect(table.stdout).toMatch(/\nprep\s+True\s+True\s+Succeeded\s+1\/1\s+\d+s\n/);
});
