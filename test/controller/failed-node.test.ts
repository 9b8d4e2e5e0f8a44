import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import {
  condition,
  eventsAbout,
  kubectl,
  NAMESPACE,
  pipelineRunNode,
  startEnvironment,
  waitForResource,
  waitFor,
  type Environment,
} from '../support/environment.ts';

// A node that fails: Ready=False, Stalled=True (reason Failed), a Warning Event on the resource,
// and `kubectl describe` shows both.

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({
    runs: [
      {
        id: 'flow-fail0001',
        nodes: [{ id: 'node-train', name: 'train', duration: '1m', outcome: 'fail' }],
      },
    ],
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await env.close();
});

test('a failed node is Ready=False, Stalled=True with a Warning Event, and kubectl describe shows it', async () => {
  await env.cluster.create(
    pipelineRunNode(env, 'train', { pipelineRunId: 'flow-fail0001', nodeId: 'node-train' }),
  );
  await waitForResource(env, 'train', (r) => r.status?.phase !== undefined, 'first observation');

  env.paiflow.setTime(5 * 60_000);
  const r = await waitForResource(env, 'train', (r) => r.status?.phase === 'Failed', 'phase Failed');
  expect(condition(r, 'Ready')).toMatchObject({ status: 'False', reason: 'Failed' });
  expect(condition(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'Failed' });
  expect(condition(r, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Failed' });
  expect(condition(r, 'Synced')).toMatchObject({ status: 'True' });
  expect(condition(r, 'Ready')?.message).toMatch(/^Node "train" \(node-train\) failed at /);
  expect(r.status?.finishedAt).toEqual(expect.any(String));

  // Events are recorded right after the status write that reveals the transition.
  const failed = await waitFor(async () => {
    const found = (await eventsAbout(env, 'train')).filter((e) => e.reason === 'Failed');
    return found.length > 0 && found;
  }, 'the Failed Event');
  expect(failed).toEqual([
    expect.objectContaining({
      type: 'Warning',
      count: 1,
      involvedObject: expect.objectContaining({ uid: r.metadata.uid }) as unknown,
    }),
  ]);

  const described = await kubectl(env, 'describe', 'prn/train', '-n', NAMESPACE);
  expect(described).toMatchObject({ code: 0, stderr: '' });
  // The conditions (type, status, reason) as the generic describer prints the status...
  expect(described.stdout).toMatch(/Type:\s+Stalled/);
  expect(described.stdout).toMatch(/Reason:\s+Failed\s+Status:\s+True\s+Type:\s+Stalled/);
  expect(described.stdout).toMatch(/Reason:\s+Failed\s+Status:\s+False\s+Type:\s+Ready/);
  // ...and the Events table, found by kubectl with a field selector on involvedObject.
  expect(described.stdout).toMatch(/Events:\s+Type\s+Reason\s+Age\s+From\s+Message/);
  expect(described.stdout).toMatch(
    /Warning\s+Failed\s+\S+\s+paiflow-controller\s+Node "train" \(node-train\) failed/,
  );

  // kubectl get: READY False, SYNCED True (polling works), the phase, and REASON saying why.
  const table = await kubectl(env, 'get', 'prn', 'train', '-n', NAMESPACE);
  expect(table).toMatchObject({ code: 0, stderr: '' });
  const [header, row] = table.stdout.split('\n');
  expect(header).toMatch(/^NAME\s+READY\s+SYNCED\s+PHASE\s+PROGRESS\s+REASON\s+AGE$/);
  expect(row).toMatch(/^train\s+False\s+True\s+Failed\s+\S+\s+Failed\s+\d+s$/);
  const wide = await kubectl(env, 'get', 'prn', 'train', '-n', NAMESPACE, '-o', 'wide');
  const [wideHeader, wideRow] = wide.stdout.split('\n');
  expect(wideHeader).toMatch(
    /^NAME\s+READY\s+SYNCED\s+PHASE\s+PROGRESS\s+REASON\s+AGE\s+RUN\s+NODE\s+LAST POLL\s+MESSAGE$/,
  );
  expect(wideRow).toMatch(
    /^train\s+False\s+True\s+Failed\s+.*\sflow-fail0001\s+train\s+\d+s\s+Node "train" \(node-train\) failed/,
  );
});
