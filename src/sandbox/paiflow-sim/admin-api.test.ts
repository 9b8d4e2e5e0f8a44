import { rawRequest, signedRequest, type TestResponse } from './signed-request.test-helper.ts';
import { PaiflowSimulator } from './simulator.ts';

const key = { accessKeyId: 'LTAI-admin', accessKeySecret: 'admin-secret' };
const EPOCH = Date.parse('2024-05-01T00:00:00Z');

let sim: PaiflowSimulator;
let endpoint: string;

beforeEach(async () => {
  sim = new PaiflowSimulator({ accessKeys: [key], clock: { kind: 'manual' }, now: () => EPOCH });
  endpoint = await sim.listen();
});

afterEach(async () => {
  await sim.close();
});

const admin = (method: string, path: string, body?: unknown): Promise<TestResponse> =>
  rawRequest(endpoint, {
    method,
    path: `/_sim${path}`,
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  });

const nodeStatus = (runId: string, nodeId: string): Promise<TestResponse> =>
  signedRequest(endpoint, key, {
    signedAtMs: EPOCH,
    action: 'ListPipelineRunNodeStatus',
    path: ['api', 'v1', 'pipelineruns', runId, 'nodes', nodeId, 'status'],
  });

const run = {
  id: 'flow-9',
  name: 'added',
  nodes: [
    { id: 'n1', duration: '1m' },
    { id: 'n2', dependsOn: ['n1'], duration: '1m' },
  ],
};

test('add a run, move the clock, fail a node now, list runs', async () => {
  await admin('POST', '/clock/set', { to: '10m' });
  expect((await admin('POST', '/runs', run)).json).toEqual({ runs: ['flow-9'] });
  // startAfter counts from when the run was added.
  expect((await nodeStatus('flow-9', 'n1')).json?.Status).toEqual([
    expect.objectContaining({ Status: 'ReadyToSchedule' }),
  ]);

  expect((await admin('POST', '/clock/advance', { by: '10s' })).json).toEqual({ scenarioTimeMs: 610_000 });
  expect((await admin('POST', '/runs/flow-9/nodes/n1/outcome', { outcome: 'fail' })).status).toBe(200);
  expect((await nodeStatus('flow-9', 'n1')).json?.Status).toEqual([
    expect.objectContaining({ Status: 'Failed' }),
  ]);
  expect((await nodeStatus('flow-9', 'n2')).json?.Status).toEqual([
    expect.objectContaining({ Status: 'Skipped' }),
  ]);

  expect((await admin('GET', '/runs')).json).toEqual({
    runs: [{ PipelineRunId: 'flow-9', Name: 'added', Status: 'Failed', NodeId: 'flow-9-root' }],
    scenarioTimeMs: 610_000,
  });
  expect((await admin('GET', '/clock')).json).toEqual({ mode: { kind: 'manual' }, scenarioTimeMs: 610_000 });
});

test('replace and delete runs; {runs:[...]} bodies', async () => {
  await admin('POST', '/runs', { runs: [run] });
  await admin('POST', '/runs', [{ ...run, name: 'replaced' }]);
  expect(sim.runs()).toEqual([expect.objectContaining({ Name: 'replaced' })]);
  expect((await admin('DELETE', '/runs/flow-9')).status).toBe(200);
  expect((await admin('DELETE', '/runs/flow-9')).status).toBe(404);
  expect((await nodeStatus('flow-9', 'n1')).status).toBe(404);
});

test('inject, list and clear faults', async () => {
  const created = await admin('POST', '/faults', { kind: 'serviceUnavailable', count: 3 });
  expect(created.status).toBe(201);
  const id = (created.json?.fault as { id: string }).id;
  expect((await admin('GET', '/faults')).json).toEqual({
    faults: [{ id, kind: 'serviceUnavailable', count: 3, hits: 0 }],
  });
  expect((await nodeStatus('flow-x', 'n')).status).toBe(503);
  expect((await admin('DELETE', `/faults/${id}`)).json).toEqual({ cleared: 1 });
  expect((await admin('DELETE', `/faults/${id}`)).status).toBe(404);
  await admin('POST', '/faults', { kind: 'reset' });
  await admin('POST', '/faults', { kind: 'hang' });
  expect((await admin('DELETE', '/faults')).json).toEqual({ cleared: 2 });
});

test('request counts by operation, run, node, key and outcome; reset', async () => {
  await admin('POST', '/runs', run);
  await nodeStatus('flow-9', 'n1');
  await nodeStatus('flow-9', 'n1');
  await nodeStatus('flow-nope', 'n1');
  await signedRequest(
    endpoint,
    { accessKeyId: 'LTAI-other', accessKeySecret: 'x' },
    {
      signedAtMs: EPOCH,
      action: 'GetPipelineRun',
      path: ['api', 'v1', 'pipelineruns', 'flow-9'],
    },
  );
  await rawRequest(endpoint, { method: 'GET', path: '/nowhere' });
  expect((await admin('GET', '/counts')).json).toEqual({
    total: 5,
    byOperation: { ListPipelineRunNodeStatus: 3, GetPipelineRun: 1, unknown: 1 },
    byRun: { 'flow-9': 3, 'flow-nope': 1 },
    byNode: { 'flow-9/n1': 2, 'flow-nope/n1': 1 },
    byAccessKey: { 'LTAI-admin': 3, 'LTAI-other': 1, '(none)': 1 },
    byOutcome: {
      OK: 2,
      'InvalidPipelineRunId.NotFound': 1,
      'InvalidAccessKeyId.NotFound': 1,
      'InvalidAction.NotFound': 1,
    },
  });
  await admin('DELETE', '/counts');
  expect(sim.counts().total).toBe(0);
});

test.each([
  {
    name: 'invalid run',
    method: 'POST',
    path: '/runs',
    body: { id: 'r', nodes: [{ id: 'a' }] },
    status: 400,
    error: /runs\[0\]\.nodes\[0\]\.duration/,
  },
  {
    name: 'body not JSON',
    method: 'POST',
    path: '/runs',
    body: undefined,
    raw: '{',
    status: 400,
    error: /JSON/,
  },
  {
    name: 'unknown run',
    method: 'POST',
    path: '/runs/nope/nodes/a/outcome',
    body: { outcome: 'fail' },
    status: 404,
    error: /no run "nope"/,
  },
  {
    name: 'bad outcome',
    method: 'POST',
    path: '/runs/nope/nodes/a/outcome',
    body: { outcome: 'explode' },
    status: 400,
    error: /expected \{"outcome"/,
  },
  {
    name: 'bad clock body',
    method: 'POST',
    path: '/clock/advance',
    body: { by: 'soon' },
    status: 400,
    error: /expected \{"by":"30s"\}/,
  },
  {
    name: 'bad fault',
    method: 'POST',
    path: '/faults',
    body: { kind: 'meteor' },
    status: 400,
    error: /fault.kind/,
  },
  {
    name: 'unknown route',
    method: 'GET',
    path: '/nothing',
    body: undefined,
    status: 404,
    error: /no admin route GET \/_sim\/nothing/,
  },
])('$name → $status', async ({ method, path, body, raw, status, error }) => {
  const res =
    raw === undefined
      ? await admin(method, path, body)
      : await rawRequest(endpoint, { method, path: `/_sim${path}`, body: raw });
  expect(res.status).toBe(status);
  expect(res.json?.error).toMatch(error);
});

test('a wall clock cannot be moved: 409', async () => {
  const wallSim = new PaiflowSimulator({ accessKeys: [key] });
  const url = await wallSim.listen();
  try {
    const res = await rawRequest(url, { method: 'POST', path: '/_sim/clock/advance', body: '{"by":"1m"}' });
    expect(res.status).toBe(409);
  } finally {
    await wallSim.close();
  }
});
