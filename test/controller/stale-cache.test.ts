import {
  eventsAbout,
  getResource,
  pipelineRunNode,
  pollsOf,
  startKubeSimEnvironment,
  waitFor,
  waitForPolls,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// The controller reads resources from its informer's cache, which can lag behind the API server:
// here, a watch that reconnects slowly does not deliver the controller's own status write for a
// while. Polls in that window must neither rewrite status nor repeat the write's Events.

const NODE = { runId: 'flow-stale0001', nodeId: 'node-a' };
const WATCH_DELAY_MS = 800;

let env: KubeSimEnvironment;

beforeAll(async () => {
  env = await startKubeSimEnvironment({
    runs: [{ id: NODE.runId, startAfter: '1m', nodes: [{ id: NODE.nodeId, duration: '10h' }] }],
    manager: { defaultPollIntervalMs: 60, minPollIntervalMs: 50 },
  });
});

afterAll(async () => {
  await env.close();
});

test('a status write the cache has not seen yet is not repeated, nor are its Events', async () => {
  env.kube.create(pipelineRunNode(env, 'stale', { pipelineRunId: NODE.runId, nodeId: NODE.nodeId }));
  await waitForResource(env, 'stale', (r) => r.status?.phase === 'Initialized', 'phase Initialized');

  // From now on the cache sees nothing for WATCH_DELAY_MS: the watch ends and its successor is slow.
  env.kube.faults.addLatency({ verb: 'watch', resource: 'pipelinerunnodes', ms: WATCH_DELAY_MS });
  env.kube.closeWatches();
  env.paiflow.setTime(2 * 60_000);
  const written = await waitForResource(env, 'stale', (r) => r.status?.phase === 'Running', 'phase Running');
  const polls = pollsOf(env, NODE.runId, NODE.nodeId);
  // At least one more poll while the cache still shows Initialized.
  await waitFor(() => pollsOf(env, NODE.runId, NODE.nodeId) > polls, 'a poll with the cache behind');
  env.kube.faults.clear();
  // Once the cache has caught up, polling goes on as usual.
  await waitForPolls(env, NODE, 5);

  expect((await getResource(env, 'stale'))?.metadata.resourceVersion).toBe(written.metadata.resourceVersion);
  expect((await eventsAbout(env, 'stale')).map((e) => [e.reason, e.count])).toEqual([['Started', 1]]);
});
