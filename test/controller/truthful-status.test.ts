import { Registry } from 'prom-client';
import { apiError, json, ScriptedServer, type Step } from '../../src/paiflow/scripted-server.test-helper.ts';
import {
  condition,
  NAMESPACE,
  pipelineRunNode,
  startKubeSimEnvironment,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// Status tells the truth about answers that break PAIFlow's contract, served by hostile loopback
// servers: an answer that cannot be turned into status is a failed poll (Synced=False, counted in
// paiflow_poll_errors_total), never a silent retry behind an old Synced=True; an error Code in a
// 200 body is what the same Code at 4xx is; a Status that is not a string is shown and flagged.

const registry = new Registry();
let env: KubeSimEnvironment;
const servers: ScriptedServer[] = [];

beforeAll(async () => {
  env = await startKubeSimEnvironment({
    runs: [],
    manager: { metrics: { registry, version: 'test', perObjectMetrics: false } },
  });
});

afterAll(async () => {
  await env.close();
  for (const server of servers) await server.close();
});

function nodeAnswer(node: Record<string, unknown>): Step {
  return json(200, { RequestId: 'R', Status: [{ NodeId: 'node-1', NodeName: 'n', ...node }] });
}

/** Serves `step` for every request and tracks a resource `name` against it. */
async function trackAgainst(name: string, step: Step): Promise<void> {
  const server = await ScriptedServer.start(step);
  servers.push(server);
  env.kube.create(
    pipelineRunNode(env, name, { endpoint: server.endpoint, pipelineRunId: 'flow-x', nodeId: 'node-1' }),
  );
}

async function pollErrors(reason: string): Promise<number> {
  const metric = await registry.getSingleMetric('paiflow_poll_errors_total')?.get();
  return (
    metric?.values.find((v) => v.labels.namespace === NAMESPACE && v.labels.reason === reason)?.value ?? 0
  );
}

test('a RuntimeInfo nested 5,000 deep: the node is reported, RuntimeInfo kept raw', async () => {
  const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  await trackAgainst('deep', nodeAnswer({ Status: 'Running', RuntimeInfo: deep }));
  const r = await waitForResource(env, 'deep', (x) => x.status?.phase === 'Running', 'phase Running');
  expect(condition(r, 'Synced')).toMatchObject({ status: 'True' });
  expect(r.status?.runtimeInfo).toBeUndefined();
  expect(r.status?.runtimeInfoRaw?.startsWith('{"a":{"a":')).toBe(true);
});

test('a node Status that is an object or a number: shown as text, Synced=False BadResponse, counted', async () => {
  const before = await pollErrors('BadResponse');
  await trackAgainst('object-status', nodeAnswer({ Status: { state: 'Running' } }));
  await trackAgainst('number-status', nodeAnswer({ Status: 3 }));
  for (const [name, phase] of [
    ['object-status', '{"state":"Running"}'],
    ['number-status', '3'],
  ] as const) {
    const r = await waitForResource(
      env,
      name,
      (x) => condition(x, 'Synced')?.status === 'False',
      'Synced=False',
    );
    expect(r.status?.phase).toBe(phase);
    expect(condition(r, 'Synced')).toMatchObject({ reason: 'BadResponse' });
    expect(condition(r, 'Synced')?.message).toContain(`Status as ${phase}, which is not a status string`);
  }
  expect(await pollErrors('BadResponse')).toBeGreaterThanOrEqual(before + 2);
});

test('200 with Code Forbidden.RAM: Forbidden, Stalled, with the real Code and Message', async () => {
  await trackAgainst('forbidden-200', apiError(200, 'Forbidden.RAM', {}, 'User not authorized to operate'));
  const r = await waitForResource(
    env,
    'forbidden-200',
    (x) => condition(x, 'Synced')?.reason === 'Forbidden',
    'Synced Forbidden',
  );
  expect(condition(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'Forbidden' });
  const message = condition(r, 'Synced')?.message ?? '';
  expect(message).toContain('Forbidden.RAM (HTTP 200): User not authorized to operate');
  expect(message).not.toContain('proxy');
});

test('200 with Code Throttling.User: Throttled, and its retry-after honoured', async () => {
  const server = await ScriptedServer.start(
    apiError(200, 'Throttling.User', { 'x-acs-retry-after': '700' }),
    nodeAnswer({ Status: 'Running' }),
  );
  servers.push(server);
  env.kube.create(
    pipelineRunNode(env, 'throttled-200', {
      endpoint: server.endpoint,
      pipelineRunId: 'flow-x',
      nodeId: 'node-1',
    }),
  );
  await waitForResource(
    env,
    'throttled-200',
    (x) => condition(x, 'Synced')?.reason === 'Throttled',
    'Throttled',
  );
  await server.waitForRequests(2, 5000);
  const [first, second] = server.requests;
  expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(700);
  await waitForResource(env, 'throttled-200', (x) => x.status?.phase === 'Running', 'phase Running');
});
