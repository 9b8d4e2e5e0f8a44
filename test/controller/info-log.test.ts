import {
  condition,
  NAMESPACE,
  pipelineRunNode,
  pollsOf,
  startKubeSimEnvironment,
  waitFor,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// The controller's log at info tells the story of a run, one line per fact: nodes start, succeed
// and fail (with how long they ran), polling fails once per streak and recovers, a resource with
// wrong credentials is given up on (Stalled). Nothing is said again on every poll.

interface Line {
  level: number;
  msg: string;
  namespace?: string;
  name?: string;
  event?: string;
  durationMs?: number;
  reason?: string;
  detail?: string;
}

const INFO = 30;
let env: KubeSimEnvironment;

beforeAll(async () => {
  env = await startKubeSimEnvironment({
    runs: [
      { id: 'flow-ok', nodes: [{ id: 'node-1', name: 'train', duration: '1m' }] },
      { id: 'flow-bad', nodes: [{ id: 'node-1', name: 'train', duration: '2m', outcome: 'fail' }] },
      { id: 'flow-denied', nodes: [{ id: 'node-1', name: 'train', duration: '1m' }] },
    ],
  });
});

afterAll(async () => {
  await env.close();
});

function infoLines(): Line[] {
  return env.logLines.map((l) => JSON.parse(l) as Line).filter((l) => l.level >= INFO);
}

/** The messages logged about one resource, in order. */
function story(name: string): string[] {
  return infoLines()
    .filter((l) => l.namespace === NAMESPACE && l.name === name)
    .map((l) => l.msg);
}

test('info lines: started, succeeded, failed, polling failing once and recovered, stalled once', async () => {
  env.kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'wrong-credentials', namespace: NAMESPACE },
    stringData: { accessKeyId: 'LTAI-e2e', accessKeySecret: 'not-the-secret-0123456789' },
  });
  env.paiflow.setTime(30_000);
  env.kube.create(pipelineRunNode(env, 'ok', { pipelineRunId: 'flow-ok', nodeId: 'node-1' }));
  env.kube.create(pipelineRunNode(env, 'bad', { pipelineRunId: 'flow-bad', nodeId: 'node-1' }));
  env.kube.create(
    pipelineRunNode(env, 'denied', {
      pipelineRunId: 'flow-denied',
      nodeId: 'node-1',
      credentialsSecretRef: { name: 'wrong-credentials' },
    }),
  );
  for (const name of ['ok', 'bad']) {
    await waitForResource(env, name, (r) => r.status?.phase === 'Running', 'Running');
  }

  // An outage for one run: several failed polls, one line.
  env.paiflow.injectFault({ kind: 'serviceUnavailable', pipelineRunId: 'flow-ok' });
  const before = pollsOf(env, 'flow-ok', 'node-1');
  await waitForResource(env, 'ok', (r) => condition(r, 'Synced')?.status === 'False', 'Synced=False');
  await waitFor(() => pollsOf(env, 'flow-ok', 'node-1') >= before + 3, 'three failed polls', 15_000);
  // The resource with wrong credentials has been retried (stalledRetryMs is 1 s) meanwhile.
  await waitForResource(env, 'denied', (r) => condition(r, 'Stalled')?.status === 'True', 'Stalled');

  env.paiflow.setTime(5 * 60_000);
  await waitForResource(env, 'bad', (r) => r.status?.phase === 'Failed', 'Failed');
  env.paiflow.clearFaults();
  const ok = await waitForResource(env, 'ok', (r) => r.status?.phase === 'Succeeded', 'Succeeded');
  const bad = await waitForResource(env, 'bad', (r) => r.status?.phase === 'Failed', 'Failed');
  const ran = (r: typeof ok): number =>
    Date.parse(r.status?.finishedAt ?? '') - Date.parse(r.status?.startedAt ?? '');
  await waitFor(() => story('ok').includes('polling PAIFlow recovered') && story('ok'), 'recovered line');

  expect(story('ok')).toEqual([
    'node started',
    'polling PAIFlow failing',
    // Recovery and the finish are seen by the same poll; the Events come in this order.
    'node succeeded',
    'polling PAIFlow recovered',
  ]);
  expect(story('bad')).toEqual(['node started', 'node failed']);
  expect(story('denied')).toEqual([
    'polling PAIFlow failing',
    'resource stalled: retried only rarely until its spec, Secret or permissions change',
  ]);

  const about = (name: string, msg: string): Line | undefined =>
    infoLines().find((l) => l.name === name && l.msg === msg);
  expect(about('ok', 'node succeeded')).toMatchObject({
    level: INFO,
    event: 'Succeeded',
    durationMs: ran(ok),
  });
  expect(about('bad', 'node failed')).toMatchObject({ level: 40, event: 'Failed', durationMs: ran(bad) });
  expect(about('ok', 'polling PAIFlow failing')).toMatchObject({
    level: 40,
    event: 'PollingFailing',
    detail: expect.stringContaining('503') as unknown,
  });
  expect(
    about('denied', 'resource stalled: retried only rarely until its spec, Secret or permissions change'),
  ).toMatchObject({
    reason: 'Unauthorized',
  });
  const global = infoLines()
    .filter((l) => l.name === undefined)
    .map((l) => l.msg);
  expect(global.filter((m) => m === 'cache synced')).toHaveLength(1);
  expect(global.filter((m) => m === 'reconcile work started')).toHaveLength(1);
}, 40_000);
