import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import type { FaultKind } from '../../src/sandbox/paiflow-sim/index.ts';
import {
  condition,
  NAMESPACE,
  paiflowRequestRecorder,
  pipelineRunNode,
  startKubeSimEnvironment,
  statusWrites,
  waitFor,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// PAIFlow failing in every way it can (5xx, resets, timeouts, bodies that are not JSON), all at once,
// one resource per kind of failure: while it lasts, Synced=False says why and Ready says when the last
// good observation was; repeated failures write nothing; retries back off per key; once PAIFlow
// answers again every resource is Synced, and catches up with what happened in PAI meanwhile.

const TIMEOUT_MS = 1000;
const RUNNING_AT = 30_000;
const FINISHED_AT = 5 * 60_000;
/** Failed attempts each resource makes before PAIFlow recovers: enough to see the backoff grow. */
const FAILED_ATTEMPTS = 3;

// `answer` is how the simulator's log names the failed answer, different in every row, so each
// row's attempts can be told apart.
const rows: { name: string; fault: FaultKind; answer: string; reason: string }[] = [
  { name: 'internal-error', fault: 'internalError', answer: 'InternalError', reason: 'ServerError' },
  { name: 'unavailable', fault: 'serviceUnavailable', answer: 'ServiceUnavailable', reason: 'ServerError' },
  { name: 'reset', fault: 'reset', answer: 'fault:reset', reason: 'NetworkError' },
  { name: 'hang', fault: 'hang', answer: 'fault:hang', reason: 'Timeout' },
  { name: 'malformed', fault: 'malformedJson', answer: 'fault:malformedJson', reason: 'BadResponse' },
  // The connection closes halfway through the body.
  { name: 'truncated', fault: 'truncatedBody', answer: 'fault:truncatedBody', reason: 'NetworkError' },
];
const runOf = (name: string): string => `flow-${name}`;

const recorder = paiflowRequestRecorder();
let env: KubeSimEnvironment;

beforeAll(async () => {
  env = await startKubeSimEnvironment({
    runs: rows.map(({ name }) => ({ id: runOf(name), nodes: [{ id: 'node-1', duration: '1m' }] })),
    paiflow: { logger: recorder.logger },
    manager: { paiflowTimeoutMs: TIMEOUT_MS },
  });
});

afterAll(async () => {
  await env.close();
});

function resource(name: string): PipelineRunNode {
  const r = env.kube.get({
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    namespace: NAMESPACE,
    name,
  }) as PipelineRunNode | undefined;
  if (r === undefined) throw new Error(`${name} is gone`);
  return r;
}

test('PAIFlow failures: Synced=False with the reason, no churn, backoff, recovery', async () => {
  env.paiflow.setTime(RUNNING_AT);
  for (const { name } of rows) {
    env.kube.create(pipelineRunNode(env, name, { pipelineRunId: runOf(name), nodeId: 'node-1' }));
  }
  const healthy = await waitFor(
    () =>
      rows.every(({ name }) => {
        const r = resource(name);
        return r.status?.phase === 'Running' && condition(r, 'Synced')?.status === 'True';
      }) && new Map(rows.map(({ name }) => [name, resource(name)])),
    'every resource Running and Synced',
  );

  for (const { name, fault } of rows) env.paiflow.injectFault({ kind: fault, pipelineRunId: runOf(name) });

  // While it lasts: Synced=False with the reason; Ready still says Running, and since when that is known.
  const failing = await waitFor(
    () =>
      rows.every(({ name, reason }) => condition(resource(name), 'Synced')?.reason === reason) &&
      new Map(rows.map(({ name }) => [name, resource(name)])),
    'every resource Synced=False with its reason',
  );
  for (const { name, reason } of rows) {
    const r = failing.get(name);
    const lastSyncTime = healthy.get(name)?.status?.lastSyncTime;
    expect(lastSyncTime).toEqual(expect.any(String));
    expect(r?.status?.phase).toBe('Running');
    expect(condition(r, 'Synced')).toMatchObject({ status: 'False', reason });
    expect(condition(r, 'Ready')).toMatchObject({ status: 'Unknown' });
    expect(condition(r, 'Ready')?.message).toContain(
      `polling is failing (${reason}), last successful poll recorded at ${lastSyncTime ?? ''}`,
    );
  }

  // The failure repeats: nothing is written, and each key's retries back off.
  const writesWhileFailing = statusWrites(env);
  const attempts = (answer: string): number[] =>
    recorder.requests.filter((r) => r.outcome === answer).map((r) => r.at);
  await waitFor(
    () => rows.every(({ answer }) => attempts(answer).length >= FAILED_ATTEMPTS),
    `${FAILED_ATTEMPTS} failed attempts for every resource`,
    15_000,
  );
  // PAI moves on meanwhile: the nodes finish.
  env.paiflow.setTime(FINISHED_AT);
  expect(statusWrites(env)).toBe(writesWhileFailing);
  for (const { name, answer } of rows) {
    expect(resource(name).metadata.resourceVersion).toBe(failing.get(name)?.metadata.resourceVersion);
    // Per-key exponential backoff (1 s, 2 s, 4 s, ... plus up to 10% jitter; plus the timeout for
    // `hang`): every gap at least 800 ms longer than the one before, where polling on schedule
    // would leave 150 ms between calls, and a hot loop none.
    const times = attempts(answer);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual((gaps[i - 1] ?? 0) + 800);
  }

  // Recovery: Synced=True again, and what happened in PAI meanwhile is in status.
  env.paiflow.clearFaults();
  await waitFor(
    () =>
      rows.every(({ name }) => {
        const r = resource(name);
        return r.status?.phase === 'Succeeded' && condition(r, 'Synced')?.status === 'True';
      }),
    'every resource Succeeded and Synced again',
    15_000,
  );
  for (const { name } of rows) {
    expect(condition(resource(name), 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  }
}, 40_000);
