import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import {
  condition,
  pipelineRunNode,
  startEnvironment,
  waitForResource,
  type Environment,
} from '../support/environment.ts';

// spec.nodeId omitted: the controller tracks the whole run through its root node, resolved with
// GetPipelineRun once the run has started; until then the resource is Pending.

const RUN = 'flow-whole0001';
const ROOT = 'node-root-whole';

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({
    runs: [
      {
        id: RUN,
        name: 'nightly',
        rootNodeId: ROOT,
        startAfter: '10s',
        nodes: [
          { id: 'node-prep', name: 'prepare', duration: '1m' },
          { id: 'node-train', name: 'train', dependsOn: ['node-prep'], duration: '2m' },
          { id: 'node-eval', name: 'evaluate', dependsOn: ['node-prep'], duration: '4m' },
        ],
      },
    ],
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await env.close();
});

test('a run that has not started is Pending, then its root node, children and progress fill in', async () => {
  await env.cluster.create(pipelineRunNode(env, 'nightly', { pipelineRunId: RUN }));

  let r = await waitForResource(
    env,
    'nightly',
    (r) => condition(r, 'Ready')?.reason === 'Pending',
    'Ready reason Pending',
  );
  expect(condition(r, 'Ready')).toMatchObject({ status: 'Unknown' });
  expect(condition(r, 'Ready')?.message).toContain(`pipeline run ${RUN} has not started yet`);
  expect(condition(r, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Pending' });
  expect(condition(r, 'Stalled')).toMatchObject({ status: 'False' });
  expect(condition(r, 'Synced')).toMatchObject({ status: 'True' });
  expect(r.status?.nodeId).toBeUndefined();
  expect(env.paiflow.counts().byOperation).toEqual({ GetPipelineRun: expect.any(Number) as number });

  // The run starts: the root node is resolved and its children (depth 2 by default) reported.
  env.paiflow.setTime(20_000);
  r = await waitForResource(env, 'nightly', (r) => r.status?.nodeId === ROOT, 'root node resolved');
  expect(r.status).toMatchObject({
    nodeName: 'nightly',
    phase: 'Running',
    progress: '0/3',
    childrenTotal: 3,
  });
  expect(r.status?.children?.map((c) => c.nodeId)).toEqual(['node-prep', 'node-eval', 'node-train']);
  expect(condition(r, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });

  // The root node is remembered in status: it is not looked up again.
  const lookups = env.paiflow.counts().byOperation.GetPipelineRun;
  env.paiflow.setTime(2 * 60_000);
  r = await waitForResource(env, 'nightly', (r) => r.status?.progress === '1/3', 'progress 1/3');
  expect(r.status?.children).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ nodeId: 'node-prep', nodeName: 'prepare', status: 'Succeeded' }),
      expect.objectContaining({ nodeId: 'node-train', status: 'Running' }),
    ]),
  );

  env.paiflow.setTime(4 * 60_000);
  await waitForResource(env, 'nightly', (r) => r.status?.progress === '2/3', 'progress 2/3');

  env.paiflow.setTime(10 * 60_000);
  r = await waitForResource(env, 'nightly', (r) => r.status?.phase === 'Succeeded', 'run Succeeded');
  expect(r.status).toMatchObject({ progress: '3/3', finishedAt: expect.any(String) });
  expect(r.status?.children?.every((c) => c.status === 'Succeeded')).toBe(true);
  expect(condition(r, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  expect(env.paiflow.counts().byOperation.GetPipelineRun).toBe(lookups);
});
