import { RECONCILE_ANNOTATION } from '../../src/api/v1alpha1.ts';
import {
  getResource,
  kubectl,
  NAMESPACE,
  pipelineRunNode,
  pollsOf,
  startKubeSimEnvironment,
  statusWrites,
  waitForPolls,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// Status is written only when something a user can see changed, and the controller's own status
// writes never cause a poll.

const LONG = { runId: 'flow-long0001', nodeId: 'node-long' };
const SLOW = { runId: 'flow-slow0001', nodeId: 'node-slow' };

let env: KubeSimEnvironment;

beforeAll(async () => {
  env = await startKubeSimEnvironment({
    runs: [
      { id: LONG.runId, nodes: [{ id: LONG.nodeId, duration: '10h' }] },
      { id: SLOW.runId, startAfter: '1m', nodes: [{ id: SLOW.nodeId, duration: '10h' }] },
    ],
    manager: { defaultPollIntervalMs: 60, minPollIntervalMs: 50 },
  });
  env.paiflow.setTime(30_000);
});

afterAll(async () => {
  await env.close();
});

test('polling a node whose PAI state does not change writes no status', async () => {
  env.kube.create(pipelineRunNode(env, 'long', { pipelineRunId: LONG.runId, nodeId: LONG.nodeId }));
  const before = await waitForResource(env, 'long', (r) => r.status?.phase === 'Running', 'phase Running');
  // Let the watch deliver the controller's last write to its cache before counting.
  await waitForPolls(env, LONG, 2);

  env.kube.counters.reset();
  await waitForPolls(env, LONG, 10);
  expect(statusWrites(env)).toBe(0);
  expect(env.kube.counters.count({ resource: 'pipelinerunnodes', verb: 'patch' })).toBe(0);
  expect((await getResource(env, 'long'))?.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
});

test('a status write does not cause a poll: one poll per reconcile', async () => {
  // An interval far beyond the test: every poll of this node below is one the test asked for.
  env.kube.create(
    pipelineRunNode(env, 'slow', { pipelineRunId: SLOW.runId, nodeId: SLOW.nodeId, pollInterval: '1h' }),
  );
  await waitForResource(env, 'slow', (r) => r.status?.phase === 'Initialized', 'phase Initialized');
  expect(pollsOf(env, SLOW.runId, SLOW.nodeId)).toBe(1);
  await waitForPolls(env, LONG, 5);
  expect(pollsOf(env, SLOW.runId, SLOW.nodeId)).toBe(1);

  // A change in PAI picked up by a requested reconcile: one poll, one write (phase and echo)...
  env.paiflow.setTime(5 * 60_000);
  env.kube.counters.reset();
  const annotated = await kubectl(
    env,
    'annotate',
    '-n',
    NAMESPACE,
    'prn/slow',
    `${RECONCILE_ANNOTATION}=now`,
  );
  expect(annotated).toMatchObject({ code: 0 });
  const r = await waitForResource(
    env,
    'slow',
    (r) => r.status?.lastHandledReconcileAt === 'now',
    'request echoed',
  );
  expect(r.status?.phase).toBe('Running');
  expect(pollsOf(env, SLOW.runId, SLOW.nodeId)).toBe(2);
  // ...and the watch event of that write asks for nothing more (the steady node writes nothing).
  await waitForPolls(env, LONG, 5);
  expect(pollsOf(env, SLOW.runId, SLOW.nodeId)).toBe(2);
  expect(statusWrites(env)).toBe(1);
});
