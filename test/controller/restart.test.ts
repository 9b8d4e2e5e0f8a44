import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import {
  eventsAbout,
  getResource,
  pipelineRunNode,
  pollsOf,
  startEnvironment,
  waitFor,
  waitForPolls,
  waitForResource,
  type CoreEvent,
  type Environment,
} from '../support/environment.ts';

// A controller restart mid-run: the new process resumes from the stored status, emits no Event a
// second time, and picks up exactly once what happened in PAI while no controller was running.

const STEP = { runId: 'flow-restart01', nodeId: 'node-step' };
const LONG = { runId: 'flow-restart02', nodeId: 'node-long' };

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({
    runs: [
      { id: STEP.runId, nodes: [{ id: STEP.nodeId, name: 'step', duration: '1m' }] },
      { id: LONG.runId, nodes: [{ id: LONG.nodeId, name: 'long', duration: '10h' }] },
    ],
    manager: { defaultPollIntervalMs: 60, minPollIntervalMs: 50 },
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await env.close();
});

/** Event name → count, for every Event about the resource. */
async function eventCounts(name: string): Promise<Record<string, number | undefined>> {
  return Object.fromEntries((await eventsAbout(env, name)).map((e: CoreEvent) => [e.metadata.name, e.count]));
}

test('after a restart nothing is repeated and a transition missed while down is picked up once', async () => {
  await env.cluster.create(pipelineRunNode(env, 'step', { pipelineRunId: STEP.runId, nodeId: STEP.nodeId }));
  await env.cluster.create(pipelineRunNode(env, 'long', { pipelineRunId: LONG.runId, nodeId: LONG.nodeId }));
  env.paiflow.setTime(30_000);
  for (const name of ['step', 'long']) {
    await waitForResource(env, name, (r) => r.status?.phase === 'Running', 'phase Running');
    await waitFor(
      async () => (await eventsAbout(env, name)).some((e) => e.reason === 'Started'),
      `${name} Started`,
    );
  }
  const before = { step: await eventCounts('step'), long: await eventCounts('long') };
  const longBefore = await getResource(env, 'long');

  await env.manager.stop(1000);
  // While no controller runs, the step finishes in PAI.
  env.paiflow.setTime(5 * 60_000);
  const polls = pollsOf(env, STEP.runId, STEP.nodeId);

  await env.startController();
  await waitForResource(env, 'step', (r) => r.status?.phase === 'Succeeded', 'phase Succeeded');
  await waitFor(
    async () => (await eventsAbout(env, 'step')).some((e) => e.reason === 'Succeeded'),
    'the Succeeded Event',
  );
  // Several poll intervals for the still running node: time for any duplicate to show up.
  await waitForPolls(env, LONG, 5);

  expect(pollsOf(env, STEP.runId, STEP.nodeId)).toBe(polls + 1);
  const after = { step: await eventCounts('step'), long: await eventCounts('long') };
  // The Events from before the restart are the same objects, not counted again...
  expect(after.long).toEqual(before.long);
  expect(after.step).toMatchObject(before.step);
  // ...and the missed transition is one new Event, recorded once.
  const added = (await eventsAbout(env, 'step')).filter((e) => before.step[e.metadata.name] === undefined);
  expect(added.map((e) => [e.type, e.reason, e.count])).toEqual([['Normal', 'Succeeded', 1]]);
  // The running node's status was already true: the new controller had nothing to write.
  expect((await getResource(env, 'long'))?.metadata.resourceVersion).toBe(
    longBefore?.metadata.resourceVersion,
  );
});
