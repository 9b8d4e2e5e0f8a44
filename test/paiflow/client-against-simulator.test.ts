import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import {
  PaiflowClient,
  StaticCredentialsProvider,
  type PaiflowClientOptions,
} from '../../src/paiflow/index.ts';
import { failureOf } from '../../src/paiflow/scripted-server.test-helper.ts';
import { PaiflowSimulator, validateScenario, type FaultSpec } from '../../src/sandbox/paiflow-sim/index.ts';

// The PAIFlow client against the PAIFlow simulator over real loopback HTTP: the contract both sides
// were written to (docs/reference paiflow-api.md), exercised end to end.

const key = { accessKeyId: 'LTAI-e2e', accessKeySecret: 'e2e-secret-value-0123456789' };
const stsKey = {
  accessKeyId: 'STS.e2e',
  accessKeySecret: 'sts-secret-value-9876543210',
  securityToken: 'sts-token-value-abcdef',
};
const shareToken = 'share-token-value-424242';
const secrets = [key.accessKeySecret, stsKey.accessKeySecret, stsKey.securityToken, shareToken];

const scenario = validateScenario({
  runs: [
    {
      id: 'flow-e2e0001',
      name: 'training',
      nodes: [
        { id: 'node-a', name: 'prepare', duration: '1m', runtimeInfo: { JOB: 'dlc-1' } },
        {
          id: 'node-b',
          name: 'train',
          dependsOn: ['node-a'],
          duration: '5m',
          outcome: 'fail',
          physical: [{ id: 'pod-b0', name: 'worker-0' }],
        },
      ],
    },
    { id: 'flow-shared0002', shareToken, nodes: [{ id: 'node-s', duration: '1m' }] },
  ],
});

const logLines: string[] = [];
let sim: PaiflowSimulator;
let endpoint: string;
const clients: PaiflowClient[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  sim = new PaiflowSimulator({
    accessKeys: [key, stsKey],
    scenario,
    clock: { kind: 'manual' },
    logger: pino({ level: 'debug' }, sink),
  });
  endpoint = await sim.listen({ host: '127.0.0.1', port: 0 });
});

afterEach(() => {
  sim.clearFaults();
  sim.resetCounts();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
});

function client(options: Partial<PaiflowClientOptions> = {}): PaiflowClient {
  const c = new PaiflowClient({
    endpoint,
    credentials: new StaticCredentialsProvider(key),
    retry: { retries: 3, minDelayMs: 5, maxDelayMs: 20, totalBudgetMs: 5_000 },
    timeoutMs: 2_000,
    ...options,
  });
  clients.push(c);
  return c;
}

function calls(): number {
  return sim.counts().total;
}

describe('success shapes', () => {
  test('ListPipelineRunNodeStatus of the root node with depth 2, as the run progresses', async () => {
    sim.setTime(90_000); // node-a done (1m plus scheduling), node-b running
    const result = await client().listPipelineRunNodeStatus({
      pipelineRunId: 'flow-e2e0001',
      nodeId: 'flow-e2e0001-root',
      depth: 2,
    });
    expect(result.requestId).toEqual(expect.any(String));
    const byId = new Map(result.nodes.map((n) => [n.nodeId, n]));
    expect(byId.get('flow-e2e0001-root')?.status).toBe('Running');
    expect(byId.get('node-a')).toMatchObject({
      nodeName: 'prepare',
      status: 'Succeeded',
      startedAt: expect.stringMatching(/Z$/),
      finishedAt: expect.stringMatching(/Z$/),
      runtimeInfo: { parsed: { JOB: 'dlc-1' } },
    });
    expect(byId.get('node-b')?.status).toBe('Running');
    expect(byId.get('node-b')?.finishedAt).toBeUndefined();

    sim.setTime(30 * 60_000);
    const later = await client().listPipelineRunNodeStatus({
      pipelineRunId: 'flow-e2e0001',
      nodeId: 'node-b',
    });
    expect(later.nodes[0]).toMatchObject({
      nodeId: 'node-b',
      status: 'Failed',
      finishedAt: expect.any(String),
    });
  });

  test('Type=Physical lists the physical nodes; an STS key signs with its token', async () => {
    sim.setTime(2 * 60_000);
    const result = await client({
      credentials: new StaticCredentialsProvider(stsKey),
    }).listPipelineRunNodeStatus({
      pipelineRunId: 'flow-e2e0001',
      nodeId: 'node-b',
      type: 'Physical',
    });
    expect(result.nodes.map((n) => [n.nodeId, n.nodeName])).toEqual([['pod-b0', 'worker-0']]);
  });

  test('GetPipelineRun gives the run status and its root node', async () => {
    sim.setTime(2 * 60_000);
    await expect(client().getPipelineRun({ pipelineRunId: 'flow-e2e0001' })).resolves.toMatchObject({
      pipelineRunId: 'flow-e2e0001',
      status: 'Running',
      nodeId: 'flow-e2e0001-root',
    });
  });

  test('ListPipelineRunsStatus answers a batch of runs and nodes', async () => {
    sim.setTime(2 * 60_000);
    const result = await client().listPipelineRunsStatus({
      pipelineRuns: ['flow-e2e0001'],
      nodes: [{ pipelineRunId: 'flow-e2e0001', nodeId: 'node-a' }],
    });
    expect(result.pipelineRuns).toEqual([
      expect.objectContaining({ pipelineRunId: 'flow-e2e0001', status: 'Running' }),
    ]);
    expect(result.nodes).toEqual([
      expect.objectContaining({ pipelineRunId: 'flow-e2e0001', nodeId: 'node-a', status: 'Succeeded' }),
    ]);
  });

  test('a shared run needs its token, sent as TokenId', async () => {
    sim.setTime(10_000);
    const error = await failureOf(
      client().listPipelineRunNodeStatus({ pipelineRunId: 'flow-shared0002', nodeId: 'node-s' }),
    );
    expect(error).toMatchObject({ kind: 'permanent', reason: 'Forbidden', httpStatus: 403 });
    const result = await client().listPipelineRunNodeStatus({
      pipelineRunId: 'flow-shared0002',
      nodeId: 'node-s',
      tokenId: shareToken,
    });
    expect(result.nodes[0]?.nodeId).toBe('node-s');
  });
});

describe('error classes, each from one request', () => {
  test.each([
    {
      name: 'wrong secret',
      options: { credentials: new StaticCredentialsProvider({ ...key, accessKeySecret: 'not-the-secret' }) },
      want: { kind: 'permanent', reason: 'Unauthorized', code: 'SignatureDoesNotMatch' },
    },
    {
      name: 'unknown access key',
      options: {
        credentials: new StaticCredentialsProvider({
          accessKeyId: 'LTAI-nobody',
          accessKeySecret: 'x-secret',
        }),
      },
      want: { kind: 'permanent', reason: 'Unauthorized', code: 'InvalidAccessKeyId.NotFound' },
    },
    {
      name: 'STS key without its token',
      options: {
        credentials: new StaticCredentialsProvider({
          accessKeyId: stsKey.accessKeyId,
          accessKeySecret: stsKey.accessKeySecret,
        }),
      },
      want: { kind: 'permanent', reason: 'Unauthorized' },
    },
    {
      name: 'clock skew beyond 15 minutes',
      options: { now: () => Date.now() - 20 * 60_000 },
      want: { kind: 'permanent', reason: 'Unauthorized', code: 'InvalidTimeStamp.Expired' },
    },
  ])('$name: no retry', async ({ options, want }) => {
    const error = await failureOf(client(options).getPipelineRun({ pipelineRunId: 'flow-e2e0001' }));
    expect(error).toMatchObject(want);
    expect(calls()).toBe(1);
  });

  test('unknown run: NotFound, no retry', async () => {
    const error = await failureOf(client().getPipelineRun({ pipelineRunId: 'flow-missing' }));
    expect(error).toMatchObject({ kind: 'permanent', reason: 'NotFound', httpStatus: 404 });
    expect(calls()).toBe(1);
  });

  test('a batch over the limit: InvalidParameter, no retry', async () => {
    const pipelineRuns = Array.from({ length: 101 }, (_, i) => `flow-${i}`);
    const error = await failureOf(client().listPipelineRunsStatus({ pipelineRuns }));
    expect(error).toMatchObject({ kind: 'permanent', reason: 'InvalidParameter', httpStatus: 400 });
    expect(calls()).toBe(1);
  });

  test.each<{ name: string; fault: FaultSpec; want: object }>([
    { name: 'throttling', fault: { kind: 'throttling' }, want: { kind: 'throttled', reason: 'Throttled' } },
    {
      name: '500',
      fault: { kind: 'internalError' },
      want: { kind: 'transient', reason: 'ServerError', httpStatus: 500 },
    },
    {
      name: '503',
      fault: { kind: 'serviceUnavailable' },
      want: { kind: 'transient', reason: 'ServerError', httpStatus: 503 },
    },
    {
      name: 'connection reset',
      fault: { kind: 'reset' },
      want: { kind: 'transient', reason: 'NetworkError' },
    },
    { name: 'truncated body', fault: { kind: 'truncatedBody' }, want: { kind: 'transient' } },
    {
      name: 'an HTML 502 from a gateway',
      fault: { kind: 'badGateway' },
      want: {
        code: 'Http502',
        kind: 'transient',
        reason: 'ServerError',
        httpStatus: 502,
        message: expect.stringContaining(
          'failed with Http502 (HTTP 502): 502 Bad Gateway 502 Bad Gateway nginx;',
        ) as unknown,
      },
    },
    {
      name: 'malformed JSON',
      fault: { kind: 'malformedJson' },
      want: { kind: 'transient', reason: 'BadResponse' },
    },
  ])(
    '$name, every attempt: retried until retries run out, then thrown classified',
    async ({ fault, want }) => {
      sim.injectFault(fault);
      const error = await failureOf(client().getPipelineRun({ pipelineRunId: 'flow-e2e0001' }));
      expect(error).toMatchObject(want);
      expect(calls()).toBe(4); // the first attempt and three retries
    },
  );
});

describe('retries', () => {
  test.each<{ name: string; fault: FaultSpec }>([
    { name: 'throttling', fault: { kind: 'throttling', count: 2 } },
    { name: '5xx', fault: { kind: 'serviceUnavailable', count: 2 } },
    { name: 'connection reset', fault: { kind: 'reset', count: 2 } },
    { name: 'headers that never come (timeout)', fault: { kind: 'hang', count: 1 } },
  ])('retry then success after $name', async ({ fault }) => {
    sim.injectFault(fault);
    const result = await client({ timeoutMs: 300 }).getPipelineRun({ pipelineRunId: 'flow-e2e0001' });
    expect(result.pipelineRunId).toBe('flow-e2e0001');
    expect(calls()).toBe((fault.count ?? 0) + 1);
  });

  test('a request whose headers never come times out after timeoutMs', async () => {
    sim.injectFault({ kind: 'hang' });
    const started = performance.now();
    const error = await failureOf(
      client({ timeoutMs: 250, retry: { retries: 0 } }).getPipelineRun({ pipelineRunId: 'flow-e2e0001' }),
    );
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ kind: 'transient', reason: 'Timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(2_000);
  });

  test('x-acs-retry-after from the simulator is a floor for the next attempt', async () => {
    const throttled = new PaiflowSimulator({
      accessKeys: [key],
      scenario,
      clock: { kind: 'manual' },
      throttle: { qps: 0.001, burst: 1, status: 429, retryAfter: 300 },
    });
    const url = await throttled.listen();
    try {
      const attempts: number[] = [];
      const c = client({ endpoint: url, onAttempt: () => attempts.push(performance.now()) });
      await c.getPipelineRun({ pipelineRunId: 'flow-e2e0001' }); // spends the burst
      const error = await failureOf(c.getPipelineRun({ pipelineRunId: 'flow-e2e0001' }));
      expect(error).toMatchObject({ kind: 'throttled', httpStatus: 429, retryAfterMs: 300 });
      const gaps = attempts.slice(2).map((t, i) => t - attempts[i + 1]!);
      expect(gaps.length).toBeGreaterThan(0);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(295);
    } finally {
      await throttled.close();
    }
  });

  test('cancellation stops retries at once', async () => {
    sim.injectFault({ kind: 'internalError' });
    const controller = new AbortController();
    const c = client({
      retry: { retries: 5, minDelayMs: 10_000, maxDelayMs: 10_000, totalBudgetMs: 60_000 },
      onAttempt: () => {
        controller.abort(new Error('shutting down'));
      },
    });
    const started = performance.now();
    const error = await failureOf(
      c.getPipelineRun({ pipelineRunId: 'flow-e2e0001' }, { signal: controller.signal }),
    );
    expect(error.reason).toBe('Cancelled');
    expect(performance.now() - started).toBeLessThan(5_000); // far below the 10 s backoff it skipped
    expect(calls()).toBe(1);
  });
});

test('no secret value reaches a log line or an error, on any path', async () => {
  const errors: unknown[] = [];
  const capture = (p: Promise<unknown>) => p.catch((e: unknown) => errors.push(e));
  const sts = client({ credentials: new StaticCredentialsProvider(stsKey) });
  const wrongSts = client({
    credentials: new StaticCredentialsProvider({ ...stsKey, securityToken: 'other-token' }),
  });
  const wrongSecret = client({
    credentials: new StaticCredentialsProvider({ ...key, accessKeySecret: `${key.accessKeySecret}-x` }),
  });
  for (const kind of ['internalError', 'reset', 'malformedJson', 'throttling'] as const) {
    sim.injectFault({ kind, count: 10 });
    await capture(
      sts.listPipelineRunNodeStatus({
        pipelineRunId: 'flow-shared0002',
        nodeId: 'node-s',
        tokenId: shareToken,
      }),
    );
    sim.clearFaults();
  }
  await capture(
    wrongSts.listPipelineRunNodeStatus({
      pipelineRunId: 'flow-shared0002',
      nodeId: 'node-s',
      tokenId: shareToken,
    }),
  );
  await capture(
    wrongSecret.listPipelineRunNodeStatus({
      pipelineRunId: 'flow-shared0002',
      nodeId: 'node-s',
      tokenId: shareToken,
    }),
  );
  await capture(
    sts.listPipelineRunNodeStatus({
      pipelineRunId: 'flow-shared0002',
      nodeId: 'node-s',
      tokenId: `${shareToken}-wrong`,
    }),
  );
  await capture(
    sts.listPipelineRunNodeStatus({ pipelineRunId: 'flow-missing', nodeId: 'node-s', tokenId: shareToken }),
  );
  expect(errors.length).toBe(8);

  const renderings = errors.flatMap((e) => [
    String(e),
    JSON.stringify(e),
    inspect(e, { depth: 10 }),
    (e as Error).message,
  ]);
  const text = [...renderings, ...logLines].join('\n');
  expect(logLines.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(text).not.toContain(secret);
});
