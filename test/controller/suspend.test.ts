import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import {
  condition,
  eventsAbout,
  kubectl,
  NAMESPACE,
  pipelineRunNode,
  pollsOf,
  startEnvironment,
  waitFor,
  waitForPolls,
  waitForResource,
  type Environment,
} from '../support/environment.ts';

// spec.suspend stops polling (Ready=False, reason Suspended) until it is set back to false.

const NODE = { runId: 'flow-susp0001', nodeId: 'node-a' };
// A node that runs for hours: its polls measure that poll intervals went by.
const TICKER = { runId: 'flow-tick0002', nodeId: 'node-tick' };
const INTERVALS = 5;

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({
    runs: [
      { id: NODE.runId, nodes: [{ id: NODE.nodeId, name: 'train', duration: '10h' }] },
      { id: TICKER.runId, nodes: [{ id: TICKER.nodeId, duration: '10h' }] },
    ],
    manager: { defaultPollIntervalMs: 60, minPollIntervalMs: 50 },
  });
  env.paiflow.setTime(30_000);
  await env.cluster.create(
    pipelineRunNode(env, 'ticker', { pipelineRunId: TICKER.runId, nodeId: TICKER.nodeId }),
  );
}, START_TIMEOUT_MS);

afterAll(async () => {
  await env.close();
});

async function setSuspend(value: boolean): Promise<void> {
  const patched = await kubectl(
    env,
    'patch',
    '-n',
    NAMESPACE,
    'prn/train',
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { suspend: value } }),
  );
  expect(patched).toMatchObject({ code: 0 });
}

test('a resource created suspended is never polled, and polling starts once it is resumed', async () => {
  await env.cluster.create(
    pipelineRunNode(env, 'train', { pipelineRunId: NODE.runId, nodeId: NODE.nodeId, suspend: true }),
  );
  let r = await waitForResource(
    env,
    'train',
    (r) => condition(r, 'Ready')?.reason === 'Suspended',
    'Ready reason Suspended',
  );
  expect(condition(r, 'Ready')).toMatchObject({ status: 'False' });
  expect(condition(r, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Suspended' });
  expect(condition(r, 'Stalled')).toMatchObject({ status: 'False', reason: 'Suspended' });
  expect(condition(r, 'Synced')).toMatchObject({ status: 'Unknown', reason: 'NotPolled' });
  await waitForPolls(env, TICKER, INTERVALS);
  expect(pollsOf(env, NODE.runId, NODE.nodeId)).toBe(0);

  await setSuspend(false);
  r = await waitForResource(env, 'train', (r) => r.status?.phase === 'Running', 'phase Running');
  expect(condition(r, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
  expect(condition(r, 'Synced')).toMatchObject({ status: 'True' });
  await waitForPolls(env, NODE, 3);
  await waitFor(
    async () => (await eventsAbout(env, 'train')).some((e) => e.reason === 'Resumed'),
    'a Resumed Event',
  );
});

test('suspending a running node stops its polls; the status keeps what was last observed', async () => {
  await setSuspend(true);
  const r = await waitForResource(
    env,
    'train',
    (r) => condition(r, 'Ready')?.reason === 'Suspended',
    'Ready reason Suspended',
  );
  expect(r.status?.phase).toBe('Running');
  expect(condition(r, 'Ready')?.message).toMatch(
    /^Polling is suspended by spec.suspend; last observed: .* was Running/,
  );
  const polls = pollsOf(env, NODE.runId, NODE.nodeId);
  await waitForPolls(env, TICKER, INTERVALS);
  expect(pollsOf(env, NODE.runId, NODE.nodeId)).toBe(polls);
  // Its message says what was last observed, so this is a second Event, not a repeat of the first.
  const suspended = await waitFor(async () => {
    const found = (await eventsAbout(env, 'train')).filter((e) => e.reason === 'Suspended');
    return found.length === 2 && found;
  }, 'a second Suspended Event');
  expect(suspended.map((e) => [e.type, e.count])).toEqual([
    ['Normal', 1],
    ['Normal', 1],
  ]);
});
