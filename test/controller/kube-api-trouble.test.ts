import { RECONCILE_ANNOTATION } from '../../src/api/v1alpha1.ts';
import {
  ACCESS_KEY,
  condition,
  createSecret,
  kubectl,
  NAMESPACE,
  pipelineRunNode,
  startKubeSimEnvironment,
  statusWrites,
  waitFor,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// The Kubernetes API misbehaving: watches closed by the server, failing to reconnect, 410 Gone,
// 500s and 429s (with Retry-After) on list, status writes and Secret reads. The controller keeps
// running and converges, and no update is lost: a change made during the trouble is acted on
// afterwards, and a PAI transition during it ends up in status.

const RUNNING_AT = 30_000;
const FINISHED_AT = 5 * 60_000;
const names = ['closed', 'gone', 'relist', 'writes', 'secret'] as const;
type Name = (typeof names)[number];
const runOf = (name: Name): string => `flow-${name}`;
const PRN = { group: 'paiflow.dev', resource: 'pipelinerunnodes' };

let env: KubeSimEnvironment;

beforeAll(async () => {
  env = await startKubeSimEnvironment({
    runs: names.map((name) => ({ id: runOf(name), nodes: [{ id: 'node-1', duration: '1m' }] })),
  });
  env.paiflow.setTime(RUNNING_AT);
  for (const name of ['closed', 'gone', 'relist', 'writes'] as const) {
    env.kube.create(pipelineRunNode(env, name, { pipelineRunId: runOf(name), nodeId: 'node-1' }));
  }
  for (const name of ['closed', 'gone', 'relist', 'writes'] as const) {
    await waitForResource(env, name, (r) => r.status?.phase === 'Running', 'phase Running');
  }
});

afterAll(async () => {
  await env.close();
});

function requests(filter: { verb: string }): number {
  return env.kube.counters.count({ ...PRN, subresource: '', ...filter });
}

/** Waits until kube-sim has served `more` requests matching `filter` beyond `from`. */
function waitForRequests(
  filter: { verb: string },
  from: number,
  more: number,
  what: string,
): Promise<number> {
  return waitFor(() => {
    const now = requests(filter);
    return now >= from + more && now;
  }, what);
}

async function kubectlOk(...args: string[]): Promise<void> {
  expect(await kubectl(env, ...args)).toMatchObject({ code: 0 });
}

/** Asks for a reconcile; it is handled when status.lastHandledReconcileAt echoes `value`. */
async function requestReconcile(name: Name, value: string): Promise<void> {
  await kubectlOk(
    'annotate',
    '--overwrite',
    '-n',
    NAMESPACE,
    `prn/${name}`,
    `${RECONCILE_ANNOTATION}=${value}`,
  );
}

function handled(name: Name, value: string): Promise<unknown> {
  return waitForResource(
    env,
    name,
    (r) => r.status?.lastHandledReconcileAt === value,
    `request ${value} handled`,
  );
}

test('a watch the server closes, and that fails to reconnect, loses no change', async () => {
  const watches = requests({ verb: 'watch' });
  // The re-watch fails twice (500, then 429): the informer restarts it with backoff, ~3 s without
  // a watch. (client-node reports a failed watch by status code only: no Retry-After to honour.)
  env.kube.faults.add({ code: 500, verb: 'watch', ...PRN, count: 1 });
  env.kube.faults.add({ code: 429, retryAfterSeconds: 1, verb: 'watch', ...PRN, count: 1 });
  env.kube.closeWatches();
  await waitForRequests({ verb: 'watch' }, watches, 1, 'a failed re-watch');

  await requestReconcile('closed', 'while-the-watch-was-down');
  await handled('closed', 'while-the-watch-was-down');
  expect(requests({ verb: 'watch' })).toBeGreaterThanOrEqual(watches + 3);
  const restarts = env.logLines
    .map((line) => JSON.parse(line) as { msg: string; reason?: string })
    .filter((entry) => entry.msg === 'watch failed; restarting it');
  expect(restarts.map((entry) => entry.reason)).toEqual(
    expect.arrayContaining([
      'Kubernetes API answered 500 to a watch',
      'Kubernetes API answered 429 to a watch',
    ]),
  );
});

test('410 Gone: the relist after compaction loses no change', async () => {
  const [watches, lists] = [requests({ verb: 'watch' }), requests({ verb: 'list' })];
  env.kube.faults.add({ code: 500, verb: 'watch', ...PRN, count: 1 });
  env.kube.closeWatches();
  await waitForRequests({ verb: 'watch' }, watches, 1, 'a failed re-watch');

  // A spec change while no watch runs, then the history it would be replayed from is gone.
  await kubectlOk('patch', '-n', NAMESPACE, 'prn/gone', '--type=merge', '-p', '{"spec":{"depth":3}}');
  env.kube.compact();
  await waitForResource(env, 'gone', (r) => r.status?.observedGeneration === 2, 'observedGeneration 2');
  expect(requests({ verb: 'list' })).toBeGreaterThan(lists);
});

test('a relist failing with 500 and 429 (Retry-After) is retried until it works; nothing is lost', async () => {
  const lists = requests({ verb: 'list' });
  // The watch is told its resourceVersion is too old (an ERROR event): the informer relists, which
  // fails twice before it works.
  env.kube.faults.add({ code: 410, verb: 'watch', ...PRN, count: 1 });
  env.kube.faults.add({ code: 500, verb: 'list', ...PRN, count: 1 });
  env.kube.faults.add({ code: 429, retryAfterSeconds: 1, verb: 'list', ...PRN, count: 1 });
  env.kube.closeWatches();
  await waitForRequests({ verb: 'list' }, lists, 1, 'a failed relist');

  await requestReconcile('relist', 'while-listing-failed');
  await handled('relist', 'while-listing-failed');
  expect(requests({ verb: 'list' })).toBeGreaterThanOrEqual(lists + 3);
});

test('status writes failing with 500 and 429: the PAI transition still ends up in status', async () => {
  const writes = statusWrites(env);
  env.kube.faults.add({ code: 500, verb: 'patch', ...PRN, subresource: 'status', name: 'writes', count: 1 });
  env.kube.faults.add({
    code: 429,
    retryAfterSeconds: 1,
    verb: 'patch',
    ...PRN,
    subresource: 'status',
    name: 'writes',
    count: 1,
  });
  env.paiflow.setTime(FINISHED_AT);

  for (const name of ['closed', 'gone', 'relist', 'writes'] as const) {
    const r = await waitForResource(env, name, (x) => x.status?.phase === 'Succeeded', 'phase Succeeded');
    expect(condition(r, 'Ready')).toMatchObject({ status: 'True' });
  }
  // One write each, and two more for the two failed attempts of `writes`.
  expect(statusWrites(env)).toBeGreaterThanOrEqual(writes + 4 + 2);
});

test('Secret reads failing with 500 and 429: the resource converges', async () => {
  const secret = 'credentials-read-with-trouble';
  await createSecret(env, secret, ACCESS_KEY);
  const reads = env.kube.counters.count({ verb: 'get', resource: 'secrets' });
  const onSecret = { verb: 'get', resource: 'secrets', name: secret };
  env.kube.faults.add({ code: 500, ...onSecret, count: 1 });
  env.kube.faults.add({ code: 429, retryAfterSeconds: 1, ...onSecret, count: 1 });

  env.kube.create(
    pipelineRunNode(env, 'secret', {
      pipelineRunId: runOf('secret'),
      nodeId: 'node-1',
      credentialsSecretRef: { name: secret },
    }),
  );
  const r = await waitForResource(env, 'secret', (x) => x.status?.phase === 'Succeeded', 'phase Succeeded');
  expect(condition(r, 'Synced')).toMatchObject({ status: 'True' });
  expect(env.kube.counters.count({ verb: 'get', resource: 'secrets' })).toBeGreaterThanOrEqual(reads + 3);
});

test('the controller kept running throughout: ready, with a synced cache', async () => {
  const probe = env.manager.probeUrl;
  expect(probe).toEqual(expect.any(String));
  const ready = await fetch(new URL('/readyz', probe));
  expect(ready.status).toBe(200);
  await ready.body?.cancel();
  expect(env.manager.informer.hasSynced()).toBe(true);
});
