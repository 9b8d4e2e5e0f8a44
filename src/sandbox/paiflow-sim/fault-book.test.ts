import { setImmediate as nextTurn } from 'node:timers/promises';
import { validateScenario } from './scenario.ts';
import { signedRequest, type TestRequest, type TestResponse } from './signed-request.test-helper.ts';
import { PaiflowSimulator } from './simulator.ts';

const key = { accessKeyId: 'LTAI-faults', accessKeySecret: 'faults-secret' };
const EPOCH = Date.parse('2024-05-01T00:00:00Z');

let sim: PaiflowSimulator;
let endpoint: string;

beforeEach(async () => {
  sim = new PaiflowSimulator({
    accessKeys: [key],
    scenario: validateScenario({
      runs: [
        { id: 'flow-1', nodes: [{ id: 'node-a', duration: '1m' }] },
        { id: 'flow-2', nodes: [{ id: 'node-b', duration: '1m' }] },
      ],
    }),
    clock: { kind: 'manual' },
    now: () => EPOCH,
  });
  endpoint = await sim.listen();
});

afterEach(async () => {
  await sim.close();
});

const getRun = (runId = 'flow-1'): Omit<TestRequest, 'signedAtMs'> => ({
  action: 'GetPipelineRun',
  path: ['api', 'v1', 'pipelineruns', runId],
});
const nodeStatus: Omit<TestRequest, 'signedAtMs'> = {
  action: 'ListPipelineRunNodeStatus',
  path: ['api', 'v1', 'pipelineruns', 'flow-1', 'nodes', 'node-a', 'status'],
};
const call = (req: Omit<TestRequest, 'signedAtMs'> = getRun()): Promise<TestResponse> =>
  signedRequest(endpoint, key, { signedAtMs: EPOCH, ...req });

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await nextTurn();
  }
}

describe('error answers', () => {
  test.each([
    { kind: 'internalError' as const, status: 500, code: 'InternalError' },
    { kind: 'serviceUnavailable' as const, status: 503, code: 'ServiceUnavailable' },
    { kind: 'throttling' as const, status: 400, code: 'Throttling.User' },
  ])('$kind for the next 2 requests, then normal', async ({ kind, status, code }) => {
    sim.injectFault({ kind, count: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await call();
      expect([res.status, res.json?.Code]).toEqual([status, code]);
      expect(Object.keys(res.json ?? {}).sort()).toEqual([
        'Code',
        'HostId',
        'Message',
        'Recommend',
        'RequestId',
      ]);
    }
    expect((await call()).status).toBe(200);
    expect(sim.faults()).toEqual([]);
  });

  test('matching by operation and by run; until cleared', async () => {
    const fault = sim.injectFault({
      kind: 'serviceUnavailable',
      operation: 'GetPipelineRun',
      pipelineRunId: 'flow-2',
    });
    expect((await call(getRun('flow-1'))).status).toBe(200);
    expect((await call(nodeStatus)).status).toBe(200);
    expect((await call(getRun('flow-2'))).status).toBe(503);
    expect((await call(getRun('flow-2'))).status).toBe(503);
    expect(sim.faults()).toEqual([expect.objectContaining({ id: fault.id, hits: 2 })]);
    expect(sim.clearFaults(fault.id)).toBe(1);
    expect((await call(getRun('flow-2'))).status).toBe(200);
  });

  test('batch requests match the runs in their body', async () => {
    sim.injectFault({ kind: 'internalError', pipelineRunId: 'flow-2' });
    const batch = (runs: string[]): Promise<TestResponse> =>
      call({
        method: 'PUT',
        action: 'ListPipelineRunsStatus',
        path: ['api', 'v1', 'pipelineruns'],
        body: JSON.stringify({ PipelineRuns: runs }),
      });
    expect((await batch(['flow-1'])).status).toBe(200);
    expect((await batch(['flow-1', 'flow-2'])).status).toBe(500);
  });

  test('faults apply before authentication, as a failing gateway would', async () => {
    sim.injectFault({ kind: 'serviceUnavailable', count: 1 });
    const res = await signedRequest(
      endpoint,
      { ...key, accessKeySecret: 'wrong' },
      { ...getRun(), signedAtMs: EPOCH },
    );
    expect(res.status).toBe(503);
  });
});

describe('broken connections and bodies', () => {
  test('reset: the connection is reset without an answer', async () => {
    sim.injectFault({ kind: 'reset', count: 1 });
    await expect(call()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await call()).status).toBe(200);
  });

  test('badGateway: a 502 HTML page from a gateway, no Alibaba body', async () => {
    sim.injectFault({ kind: 'badGateway', count: 1 });
    const res = await call(nodeStatus);
    expect([res.status, res.headers['content-type']]).toEqual([502, 'text/html']);
    expect(res.text).toContain('<title>502 Bad Gateway</title>');
    expect(res.json).toBeUndefined();
  });

  test('malformedJson: a 200 whose body does not parse', async () => {
    sim.injectFault({ kind: 'malformedJson', count: 1 });
    const res = await call(nodeStatus);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^\{"RequestId":/);
    expect(res.json).toBeUndefined();
  });

  test('truncatedBody: the body stops short of its Content-Length', async () => {
    sim.injectFault({ kind: 'truncatedBody', count: 1 });
    await expect(call()).rejects.toMatchObject({ code: 'ECONNRESET', message: 'aborted' });
  });

  test('hang: no headers ever; close() releases the request', async () => {
    sim.injectFault({ kind: 'hang' });
    const pending = call();
    let settled = false;
    void pending.then(
      () => (settled = true),
      () => (settled = true),
    );
    await until(() => sim.counts().byOutcome['fault:hang'] === 1, 'the request to arrive');
    expect(settled).toBe(false);
    await sim.close();
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  test('latency: the answer comes late, then normally', async () => {
    sim.injectFault({ kind: 'latency', latencyMs: 5, count: 1 });
    expect((await call()).status).toBe(200);
    expect(sim.counts().byOutcome).toEqual({ OK: 1 });
  });

  test('latency longer than the test: close() releases the request', async () => {
    sim.injectFault({ kind: 'latency', latencyMs: 3_600_000 });
    const pending = call();
    await until(() => sim.counts().total === 1, 'the request to arrive');
    await sim.close();
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});

test.each([
  { name: 'unknown kind', spec: { kind: 'explode' }, message: /fault.kind: expected one of latency/ },
  { name: 'latency without latencyMs', spec: { kind: 'latency' }, message: /latencyMs: required for/ },
  { name: 'count 0', spec: { kind: 'reset', count: 0 }, message: /count: expected an integer > 0/ },
  {
    name: 'unknown operation',
    spec: { kind: 'reset', operation: 'ListPipelineRuns' },
    message: /operation: expected one of/,
  },
])('invalid fault: $name', ({ spec, message }) => {
  expect(() => sim.injectFault(spec as never)).toThrow(message);
});
