import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import { RECONCILE_ANNOTATION } from '../../src/api/v1alpha1.ts';
import {
  kubectl,
  NAMESPACE,
  pipelineRunNode,
  pollsOf,
  startEnvironment,
  waitForPolls,
  waitForResource,
  type Environment,
} from '../support/environment.ts';

// A finished node is never polled again, unless a reconcile is requested with the
// paiflow.dev/reconcile-requested-at annotation: each new value is one poll, echoed in status.

const DONE = { runId: 'flow-done0001', nodeId: 'node-done' };
// A node that runs for hours: its polls measure that poll intervals went by.
const TICKER = { runId: 'flow-tick0001', nodeId: 'node-tick' };
const INTERVALS = 5;

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({
    runs: [
      { id: DONE.runId, nodes: [{ id: DONE.nodeId, duration: '10s' }] },
      { id: TICKER.runId, nodes: [{ id: TICKER.nodeId, duration: '10h' }] },
    ],
    // Short intervals keep "several poll intervals" short.
    manager: { defaultPollIntervalMs: 60, minPollIntervalMs: 50 },
  });
  env.paiflow.setTime(60_000);
  await env.cluster.create(
    pipelineRunNode(env, 'ticker', { pipelineRunId: TICKER.runId, nodeId: TICKER.nodeId }),
  );
}, START_TIMEOUT_MS);

afterAll(async () => {
  await env.close();
});

async function annotate(value: string): Promise<void> {
  const result = await kubectl(
    env,
    'annotate',
    '--overwrite',
    '-n',
    NAMESPACE,
    'prn/done',
    `${RECONCILE_ANNOTATION}=${value}`,
  );
  expect(result).toMatchObject({ code: 0 });
}

test('a finished node is not polled again; each new reconcile request is exactly one poll', async () => {
  await env.cluster.create(pipelineRunNode(env, 'done', { pipelineRunId: DONE.runId, nodeId: DONE.nodeId }));
  await waitForResource(env, 'done', (r) => r.status?.phase === 'Succeeded', 'phase Succeeded');
  const polls = pollsOf(env, DONE.runId, DONE.nodeId);
  expect(polls).toBe(1);

  await waitForPolls(env, TICKER, INTERVALS);
  expect(pollsOf(env, DONE.runId, DONE.nodeId)).toBe(polls);

  await annotate('2026-01-01T00:00:00Z');
  let r = await waitForResource(
    env,
    'done',
    (r) => r.status?.lastHandledReconcileAt === '2026-01-01T00:00:00Z',
    'first request echoed',
  );
  expect(r.status?.phase).toBe('Succeeded');
  expect(pollsOf(env, DONE.runId, DONE.nodeId)).toBe(polls + 1);
  await waitForPolls(env, TICKER, INTERVALS);
  expect(pollsOf(env, DONE.runId, DONE.nodeId)).toBe(polls + 1);

  // The same value again changes nothing, so it asks for nothing.
  await annotate('2026-01-01T00:00:00Z');
  await waitForPolls(env, TICKER, INTERVALS);
  expect(pollsOf(env, DONE.runId, DONE.nodeId)).toBe(polls + 1);

  await annotate('second request');
  r = await waitForResource(
    env,
    'done',
    (r) => r.status?.lastHandledReconcileAt === 'second request',
    'second request echoed',
  );
  expect(pollsOf(env, DONE.runId, DONE.nodeId)).toBe(polls + 2);
  await waitForPolls(env, TICKER, INTERVALS);
  expect(pollsOf(env, DONE.runId, DONE.nodeId)).toBe(polls + 2);
  expect(r.metadata.annotations?.[RECONCILE_ANNOTATION]).toBe('second request');
});
