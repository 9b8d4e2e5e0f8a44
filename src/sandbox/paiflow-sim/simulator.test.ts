import { validateScenario } from './scenario.ts';
import {
  signedRequest,
  rawRequest,
  type TestRequest,
  type TestResponse,
} from './signed-request.test-helper.ts';
import { PaiflowSimulator } from './simulator.ts';

const key = { accessKeyId: 'LTAI-sim-test', accessKeySecret: 'sim-test-secret' };
const EPOCH = Date.parse('2024-05-01T00:00:00.000Z');
const iso = (seconds: number): string => new Date(EPOCH + seconds * 1000).toISOString();

const scenario = validateScenario({
  runs: [
    {
      id: 'flow-1',
      name: 'training',
      workspaceId: 12345,
      nodes: [
        {
          id: 'node-a',
          name: 'ingest',
          duration: '10s',
          runtimeInfo: { DLC_INSTANCE_IDS: 'i-1,i-2' },
          physical: [{ id: 'pod-a-0', name: 'worker-0' }],
        },
        { id: 'node-b', name: 'train', dependsOn: ['node-a'], duration: '1m', outcome: 'fail' },
      ],
    },
    { id: 'flow-later', startAfter: '1h', nodes: [{ id: 'node-x', duration: '1s' }] },
    { id: 'flow-shared', shareToken: 'tok-123', nodes: [{ id: 'node-s', duration: '1s' }] },
    { id: 'flow a*b~c', nodes: [{ id: 'node é', duration: '1s' }] },
  ],
});

let wall: number;
let sim: PaiflowSimulator;
let endpoint: string;

beforeEach(async () => {
  wall = EPOCH;
  sim = new PaiflowSimulator({ accessKeys: [key], scenario, clock: { kind: 'manual' }, now: () => wall });
  endpoint = await sim.listen();
  sim.setTime(20_000); // node-a Succeeded (0..13s), node-b Running since 16s
});

afterEach(async () => {
  await sim.close();
});

const call = (req: Omit<TestRequest, 'signedAtMs'>): Promise<TestResponse> =>
  signedRequest(endpoint, key, { signedAtMs: wall, ...req });

const nodeStatus = (
  runId: string,
  nodeId: string,
  query: Record<string, string> = {},
): Promise<TestResponse> =>
  call({
    action: 'ListPipelineRunNodeStatus',
    path: ['api', 'v1', 'pipelineruns', runId, 'nodes', nodeId, 'status'],
    query,
  });

const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

describe('ListPipelineRunNodeStatus', () => {
  test('one node with RuntimeInfo as a JSON string and millisecond timestamps', async () => {
    const res = await nodeStatus('flow-1', 'node-a');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(res.json).toEqual({
      RequestId: expect.stringMatching(UUID),
      Status: [
        {
          NodeId: 'node-a',
          NodeName: 'ingest',
          Status: 'Succeeded',
          StartedAt: '2024-05-01T00:00:00.000Z',
          FinishedAt: '2024-05-01T00:00:13.000Z',
          RuntimeInfo: '{"DLC_INSTANCE_IDS":"i-1,i-2"}',
        },
      ],
    });
    expect(res.headers['x-acs-request-id']).toBe(res.json?.RequestId);
  });

  test('Depth=2 on the root lists the root then its children; unknown times are absent', async () => {
    const res = await nodeStatus('flow-1', 'flow-1-root', { Depth: '2' });
    expect(res.json?.Status).toEqual([
      {
        NodeId: 'flow-1-root',
        NodeName: 'training',
        Status: 'Running',
        StartedAt: iso(0),
        RuntimeInfo: '{}',
      },
      expect.objectContaining({ NodeId: 'node-a', Status: 'Succeeded' }),
      { NodeId: 'node-b', NodeName: 'train', Status: 'Running', StartedAt: iso(13), RuntimeInfo: '{}' },
    ]);
  });

  test('Type=Physical lists the physical nodes of the selected nodes', async () => {
    const res = await nodeStatus('flow-1', 'flow-1-root', { Depth: '2', Type: 'Physical' });
    expect(res.json?.Status).toEqual([
      {
        NodeId: 'pod-a-0',
        NodeName: 'worker-0',
        Status: 'Succeeded',
        StartedAt: iso(3),
        FinishedAt: iso(13),
        RuntimeInfo: '{}',
      },
    ]);
  });

  test('path segments are decoded and re-encoded for the signature', async () => {
    const res = await nodeStatus('flow a*b~c', 'node é');
    expect(res.status).toBe(200);
    expect(res.json?.Status).toEqual([expect.objectContaining({ NodeId: 'node é' })]);
  });

  test.each<{ name: string; query: Record<string, string>; status: number; code: string }>([
    { name: 'Depth 0', query: { Depth: '0' }, status: 400, code: 'InvalidParameter' },
    { name: 'Depth not a number', query: { Depth: 'two' }, status: 400, code: 'InvalidParameter' },
    { name: 'Type in the wrong case', query: { Type: 'physical' }, status: 400, code: 'InvalidParameter' },
  ])('$name → $code', async ({ query, status, code }) => {
    const res = await nodeStatus('flow-1', 'node-a', query);
    expect([res.status, res.json?.Code]).toEqual([status, code]);
  });

  test.each([
    {
      name: 'unknown run',
      run: 'flow-nope',
      node: 'node-a',
      status: 404,
      code: 'InvalidPipelineRunId.NotFound',
    },
    { name: 'unknown node', run: 'flow-1', node: 'node-nope', status: 404, code: 'InvalidNodeId.NotFound' },
    {
      name: 'a physical node is not a logical one',
      run: 'flow-1',
      node: 'pod-a-0',
      status: 404,
      code: 'InvalidNodeId.NotFound',
    },
    {
      name: 'root node before the run starts',
      run: 'flow-later',
      node: 'flow-later-root',
      status: 404,
      code: 'InvalidNodeId.NotFound',
    },
    { name: 'empty run id', run: '', node: 'node-a', status: 400, code: 'MissingParameter' },
    { name: 'empty node id', run: 'flow-1', node: '', status: 400, code: 'MissingParameter' },
  ])('$name → $status $code', async ({ run, node, status, code }) => {
    const res = await nodeStatus(run, node);
    expect([res.status, res.json?.Code]).toEqual([status, code]);
  });

  test('a node of a run not started yet is Initialized', async () => {
    const res = await nodeStatus('flow-later', 'node-x');
    expect(res.json?.Status).toEqual([
      { NodeId: 'node-x', NodeName: 'node-x', Status: 'Initialized', RuntimeInfo: '{}' },
    ]);
  });

  test.each<{ name: string; query: Record<string, string>; status: number }>([
    { name: 'no TokenId', query: {}, status: 403 },
    { name: 'wrong TokenId', query: { TokenId: 'nope' }, status: 403 },
    { name: 'right TokenId', query: { TokenId: 'tok-123' }, status: 200 },
  ])('shared run, $name → $status', async ({ query, status }) => {
    const res = await nodeStatus('flow-shared', 'node-s', query);
    expect(res.status).toBe(status);
    if (status === 403) expect(res.json?.Code).toBe('Forbidden.RAM');
  });

  test('errors carry Alibaba’s body', async () => {
    const res = await nodeStatus('flow-nope', 'node-a');
    expect(res.json).toEqual({
      RequestId: expect.stringMatching(UUID),
      HostId: new URL(endpoint).host,
      Code: 'InvalidPipelineRunId.NotFound',
      Message: expect.stringContaining('flow-nope'),
      Recommend: expect.stringContaining('q=InvalidPipelineRunId.NotFound'),
    });
  });
});

describe('GetPipelineRun', () => {
  const getRun = (runId: string, query: Record<string, string> = {}): Promise<TestResponse> =>
    call({ action: 'GetPipelineRun', path: ['api', 'v1', 'pipelineruns', runId], query });

  test('a started run shows its root node and times', async () => {
    const res = await getRun('flow-1');
    expect(res.json).toEqual({
      RequestId: expect.stringMatching(UUID),
      PipelineRunId: 'flow-1',
      Name: 'training',
      Status: 'Running',
      NodeId: 'flow-1-root',
      StartedAt: iso(0),
      Duration: 20,
      GmtCreateTime: iso(0),
      GmtModifiedTime: iso(0),
      Accessibility: 'PRIVATE',
      WorkspaceId: '12345',
    });
  });

  test('a finished failed run', async () => {
    sim.setTime(200_000);
    const res = await getRun('flow-1');
    expect(res.json).toMatchObject({
      Status: 'Failed',
      FinishedAt: iso(76),
      Duration: 76,
      Message: expect.any(String),
    });
  });

  test('a run not started yet has an empty NodeId', async () => {
    const res = await getRun('flow-later');
    expect(res.json).toMatchObject({ Status: 'Initialized', NodeId: '' });
    expect(res.json).not.toHaveProperty('StartedAt');
  });

  test('shared runs need their token', async () => {
    expect((await getRun('flow-shared')).status).toBe(403);
    expect((await getRun('flow-shared', { TokenId: 'tok-123' })).status).toBe(200);
  });
});

describe('ListPipelineRunsStatus', () => {
  const batch = (body: unknown): Promise<TestResponse> =>
    call({
      method: 'PUT',
      action: 'ListPipelineRunsStatus',
      path: ['api', 'v1', 'pipelineruns'],
      body: JSON.stringify(body),
    });

  test('runs and nodes; what the caller cannot see is left out', async () => {
    const res = await batch({
      PipelineRuns: ['flow-1', 'flow-nope', 'flow-shared', 'flow-later'],
      Nodes: [
        { PipelineRunId: 'flow-1', NodeId: 'node-b' },
        { PipelineRunId: 'flow-1', NodeId: 'node-nope' },
        { PipelineRunId: 'flow-later', NodeId: 'flow-later-root' },
      ],
    });
    expect(res.json).toEqual({
      RequestId: expect.stringMatching(UUID),
      PipelineRuns: [
        {
          PipelineRunId: 'flow-1',
          Name: 'training',
          Status: 'Running',
          NodeId: 'flow-1-root',
          IsDeleted: false,
        },
        {
          PipelineRunId: 'flow-later',
          Name: 'flow-later',
          Status: 'Initialized',
          NodeId: '',
          IsDeleted: false,
        },
      ],
      Nodes: [
        {
          PipelineRunId: 'flow-1',
          NodeId: 'node-b',
          NodeName: 'train',
          Status: 'Running',
          StartedAt: iso(13),
          IsDeleted: false,
        },
      ],
    });
    // As documented: no RuntimeInfo and no children in a batch answer.
    expect(res.json?.Nodes).toEqual([expect.not.objectContaining({ RuntimeInfo: expect.anything() })]);
  });

  test.each([
    { name: 'not JSON', body: 'nope', code: 'InvalidParameter' },
    { name: 'nothing asked', body: {}, code: 'MissingParameter' },
    { name: 'node without NodeId', body: { Nodes: [{ PipelineRunId: 'flow-1' }] }, code: 'InvalidParameter' },
    {
      name: 'over the batch limit',
      body: { PipelineRuns: Array.from({ length: 101 }, (_, i) => `flow-${i}`) },
      code: 'InvalidParameter',
    },
  ])('$name → 400 $code', async ({ body, code }) => {
    const res = await batch(body);
    expect([res.status, res.json?.Code]).toEqual([400, code]);
  });

  test('100 entries are accepted', async () => {
    const res = await batch({ PipelineRuns: Array.from({ length: 100 }, () => 'flow-1') });
    expect(res.status).toBe(200);
  });

  test('a deleted run is left out', async () => {
    sim.deleteRun('flow-1');
    const res = await batch({ Nodes: [{ PipelineRunId: 'flow-1', NodeId: 'node-b' }] });
    expect(res.json).toMatchObject({ Nodes: [] });
  });
});

describe('batchLimit', () => {
  async function withLimit(batchLimit: number, body: unknown): Promise<TestResponse> {
    const limited = new PaiflowSimulator({
      accessKeys: [key],
      scenario,
      clock: { kind: 'manual' },
      now: () => wall,
      batchLimit,
    });
    const url = await limited.listen();
    try {
      return await signedRequest(url, key, {
        signedAtMs: wall,
        method: 'PUT',
        action: 'ListPipelineRunsStatus',
        path: ['api', 'v1', 'pipelineruns'],
        body: JSON.stringify(body),
      });
    } finally {
      await limited.close();
    }
  }
  const nodes = (n: number): unknown => ({
    Nodes: Array.from({ length: n }, () => ({ PipelineRunId: 'flow-1', NodeId: 'node-a' })),
  });

  test('entries up to the limit are accepted, one more is 400 InvalidParameter naming the list', async () => {
    expect((await withLimit(3, nodes(3))).status).toBe(200);
    const refused = await withLimit(3, nodes(4));
    expect([refused.status, refused.json?.Code]).toEqual([400, 'InvalidParameter']);
    expect(refused.json?.Message).toContain('"Nodes"');
  });

  test('0: the action is not served', async () => {
    const refused = await withLimit(0, nodes(1));
    expect([refused.status, refused.json?.Code]).toEqual([404, 'InvalidAction.NotFound']);
  });

  test('a limit that is not an integer >= 0 is refused', () => {
    expect(() => new PaiflowSimulator({ accessKeys: [key], batchLimit: -1 })).toThrow(
      'batchLimit: expected an integer >= 0, got -1',
    );
  });
});

describe('routing and common headers', () => {
  test.each([
    {
      name: 'unknown path',
      req: { action: 'ListPipelineRuns', path: ['api', 'v1', 'pipelineruns'] },
      status: 404,
      code: 'InvalidAction.NotFound',
    },
    {
      name: 'unknown method',
      req: { method: 'DELETE', action: 'GetPipelineRun', path: ['api', 'v1', 'pipelineruns', 'flow-1'] },
      status: 404,
      code: 'InvalidAction.NotFound',
    },
    {
      name: 'action not matching the route',
      req: {
        action: 'GetPipelineRun',
        path: ['api', 'v1', 'pipelineruns', 'flow-1', 'nodes', 'node-a', 'status'],
      },
      status: 404,
      code: 'InvalidAction.NotFound',
    },
    {
      name: 'wrong version',
      req: { action: 'GetPipelineRun', version: '2020-01-01', path: ['api', 'v1', 'pipelineruns', 'flow-1'] },
      status: 400,
      code: 'InvalidVersion',
    },
  ])('$name → $status $code', async ({ req, status, code }) => {
    const res = await call(req);
    expect([res.status, res.json?.Code]).toEqual([status, code]);
  });

  test('unsigned requests are refused', async () => {
    const res = await rawRequest(endpoint, {
      method: 'GET',
      path: '/api/v1/pipelineruns/flow-1',
      headers: { 'x-acs-action': 'GetPipelineRun', 'x-acs-version': '2021-02-02' },
    });
    expect([res.status, res.json?.Code]).toEqual([400, 'IncompleteSignature']);
  });
});

test('unsetTimes: empty shows unknown times as empty strings', async () => {
  const emptyTimes = new PaiflowSimulator({
    accessKeys: [key],
    scenario: { ...scenario, settings: { ...scenario.settings, unsetTimes: 'empty' } },
    clock: { kind: 'manual' },
    now: () => wall,
  });
  const url = await emptyTimes.listen();
  try {
    const res = await signedRequest(url, key, {
      signedAtMs: wall,
      action: 'ListPipelineRunNodeStatus',
      path: ['api', 'v1', 'pipelineruns', 'flow-1', 'nodes', 'node-a', 'status'],
    });
    expect(res.json?.Status).toEqual([
      expect.objectContaining({ Status: 'ReadyToSchedule', StartedAt: iso(0), FinishedAt: '' }),
    ]);
  } finally {
    await emptyTimes.close();
  }
});
