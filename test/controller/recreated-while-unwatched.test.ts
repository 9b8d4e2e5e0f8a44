import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import {
  NAMESPACE,
  pipelineRunNode,
  pollsOf,
  startKubeSimEnvironment,
  waitFor,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// A PipelineRunNode deleted and created again under the same name while the controller's watch is
// down comes back through a relist as an *update* of the same generation (1) with no status: only
// its uid tells it apart from our own status write. The old one had finished, so nothing else would
// ever poll the new one; had it not, what the observer saw of the old one must not answer for the new
// one. Both ways a watch goes down are covered: a failed re-watch (the history
// compacted meanwhile), and the API server restarting.

const FINISHED = { id: 'flow-finished', nodes: [{ id: 'node-1', duration: '10s' }] };
const RUNNING = { id: 'flow-old-running', nodes: [{ id: 'node-1', duration: '10h' }] };
const NEW_RUNS = ['flow-new-after-gap', 'flow-new-after-restart', 'flow-new-after-running'];
const PRN = { apiVersion: 'paiflow.dev/v1alpha1', kind: 'PipelineRunNode', namespace: NAMESPACE };
const WATCH = { verb: 'watch', group: 'paiflow.dev', resource: 'pipelinerunnodes' };

let env: KubeSimEnvironment;

beforeAll(async () => {
  env = await startKubeSimEnvironment({
    runs: [FINISHED, RUNNING, ...NEW_RUNS.map((id) => ({ id, nodes: [{ id: 'node-1', duration: '10h' }] }))],
    manager: { informer: { restartBackoff: { minMs: 50, maxMs: 300 } } },
  });
  env.paiflow.setTime(5 * 60_000); // FINISHED has succeeded, the others run
});

afterAll(async () => {
  await env.close();
});

/** Creates `name` tracking the finished run and waits until status says so: nothing polls it again. */
async function finishedResource(name: string): Promise<PipelineRunNode> {
  env.kube.create(pipelineRunNode(env, name, { pipelineRunId: FINISHED.id, nodeId: 'node-1' }));
  return waitForResource(env, name, (r) => r.status?.phase === 'Succeeded', 'phase Succeeded');
}

/** Deletes `name` and creates it again, tracking `runId`, then forgets the history (relist needed). */
function recreate(name: string, runId: string): string {
  env.kube.delete({ ...PRN, name });
  const created = env.kube.create(pipelineRunNode(env, name, { pipelineRunId: runId, nodeId: 'node-1' }));
  env.kube.compact();
  return (created as unknown as PipelineRunNode).metadata.uid ?? '';
}

/** Closes the watch and fails its re-watch, so the controller relists once the history is gone. */
async function breakWatch(): Promise<void> {
  const watches = env.kube.counters.count(WATCH);
  env.kube.faults.add({ code: 500, ...WATCH, count: 1 });
  env.kube.closeWatches();
  await waitFor(() => env.kube.counters.count(WATCH) > watches, 'the failed re-watch');
}

async function expectPolledAsNew(name: string, runId: string, uid: string): Promise<void> {
  const r = await waitForResource(
    env,
    name,
    (x) => x.metadata.uid === uid && x.status?.phase === 'Running',
    `the re-created resource (run ${runId}) polled`,
  );
  expect(r.metadata.generation).toBe(1);
  expect(r.status?.observedGeneration).toBe(1);
  expect(pollsOf(env, runId, 'node-1')).toBeGreaterThan(0);
}

test('deleted and re-created during a watch gap: the new object is polled', async () => {
  const old = await finishedResource('gap');
  await breakWatch();
  const uid = recreate('gap', NEW_RUNS[0]!);
  expect(uid).not.toBe(old.metadata.uid);
  await expectPolledAsNew('gap', NEW_RUNS[0]!, uid);
});

test('deleted and re-created while the API server restarts: the new object is polled', async () => {
  await finishedResource('restart');
  const address = new URL(env.kube.url);
  await env.kube.close();
  const uid = recreate('restart', NEW_RUNS[1]!);
  await env.kube.listen({ host: address.hostname, port: Number(address.port) });

  await expectPolledAsNew('restart', NEW_RUNS[1]!, uid);
  await waitFor(() => env.manager.informer.hasSynced(), 'the cache synced again');
});

test('a still-running resource re-created during a watch gap: observed afresh, not as the old one', async () => {
  env.kube.create(pipelineRunNode(env, 'running', { pipelineRunId: RUNNING.id, nodeId: 'node-1' }));
  const old = await waitForResource(env, 'running', (r) => r.status?.phase === 'Running', 'phase Running');
  await breakWatch();
  const uid = recreate('running', NEW_RUNS[2]!);
  expect(uid).not.toBe(old.metadata.uid);
  await expectPolledAsNew('running', NEW_RUNS[2]!, uid);
});
