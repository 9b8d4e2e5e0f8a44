import { inspect } from 'node:util';
import { PaiflowClient, type AttemptEvent, type PaiflowClientOptions } from './client.ts';
import { StaticCredentialsProvider, type CredentialsProvider } from './credentials.ts';
import { MAX_SERVER_DELAY_MS } from '../util/delays.ts';
import { parseAuthorization } from './signing.ts';
import { PaiflowError } from './errors.ts';
import {
  apiError,
  hang,
  json,
  resetMidResponse,
  ScriptedServer,
  truncatedBody,
  verifySignature,
  type Step,
  failureOf,
} from './scripted-server.test-helper.ts';

const ACCESS_KEY_ID = 'LTAI-client-test';
const SECRET = 'client-secret-DO-NOT-LEAK';
const TOKEN = 'client-sts-token-DO-NOT-LEAK';
const TOKEN_ID = 'share+token/DO=NOT~LEAK*';
const credentials = new StaticCredentialsProvider({
  accessKeyId: ACCESS_KEY_ID,
  accessKeySecret: SECRET,
  securityToken: TOKEN,
});

const NODE_STATUS_BODY = {
  RequestId: 'R-1\n',
  Status: [
    {
      NodeId: 'node-1',
      NodeName: 'train',
      Status: 'Running',
      StartedAt: '2021-01-21T17:12:35.232Z',
      FinishedAt: '',
      RuntimeInfo: '{"DLC_INSTANCE_IDS":"i-1"}',
    },
    { NodeId: 'node-2', NodeName: 'eval', Status: 'Initialized', RuntimeInfo: '{}' },
  ],
};
const success = json(200, NODE_STATUS_BODY);

let server: ScriptedServer | undefined;
let client: PaiflowClient | undefined;

async function setUp(
  steps: Step[],
  options: Partial<PaiflowClientOptions> = {},
): Promise<{ server: ScriptedServer; client: PaiflowClient; events: AttemptEvent[] }> {
  const events: AttemptEvent[] = [];
  server = await ScriptedServer.start(...steps);
  client = new PaiflowClient({
    endpoint: server.endpoint,
    credentials,
    timeoutMs: 200,
    maxResponseBytes: 16 * 1024,
    retry: { retries: 4, minDelayMs: 2, maxDelayMs: 10, totalBudgetMs: 3000 },
    onAttempt: (event) => events.push(event),
    ...options,
  });
  return { server, client, events };
}

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const noRetry = { retry: { retries: 0 } };

describe('operations', () => {
  test('listPipelineRunNodeStatus: GET with Depth, Type and TokenId, signed; typed result', async () => {
    const { server, client, events } = await setUp([success]);
    const result = await client.listPipelineRunNodeStatus({
      pipelineRunId: 'flow-1',
      nodeId: 'node-1',
      depth: 2,
      type: 'Physical',
      tokenId: TOKEN_ID,
    });
    expect(result).toStrictEqual({
      requestId: 'R-1',
      nodes: [
        {
          nodeId: 'node-1',
          nodeName: 'train',
          status: 'Running',
          startedAt: '2021-01-21T17:12:35.232Z',
          runtimeInfo: { parsed: { DLC_INSTANCE_IDS: 'i-1' }, raw: '{"DLC_INSTANCE_IDS":"i-1"}' },
        },
        { nodeId: 'node-2', nodeName: 'eval', status: 'Initialized', runtimeInfo: { parsed: {}, raw: '{}' } },
      ],
    });
    const [req] = server.requests;
    expect(req?.method).toBe('GET');
    expect(req?.path).toBe('/api/v1/pipelineruns/flow-1/nodes/node-1/status');
    expect(req?.query).toEqual({ Depth: '2', Type: 'Physical', TokenId: TOKEN_ID });
    expect(req?.body).toBe('');
    expect(req?.headers['x-acs-action']).toBe('ListPipelineRunNodeStatus');
    expect(req?.headers['x-acs-security-token']).toBe(TOKEN);
    expect(() => verifySignature(req!, SECRET)).not.toThrow();
    expect(events).toEqual([
      {
        operation: 'ListPipelineRunNodeStatus',
        attempt: 1,
        durationMs: expect.any(Number),
        outcome: 'success',
        httpStatus: 200,
      },
    ]);
  });

  test('listPipelineRunNodeStatus without optional parameters sends no query', async () => {
    const { server, client } = await setUp([success]);
    await client.listPipelineRunNodeStatus({ pipelineRunId: 'flow-1', nodeId: 'node-1' });
    expect(server.requests[0]?.rawUrl).toBe('/api/v1/pipelineruns/flow-1/nodes/node-1/status');
  });

  test('getPipelineRun: GET the run, TokenId when given; root node absent until the run starts', async () => {
    const { server, client } = await setUp([
      json(200, {
        RequestId: 'R-2',
        PipelineRunId: 'flow-1',
        Status: 'Initialized',
        NodeId: '',
        Name: 'nightly',
      }),
    ]);
    await expect(
      client.getPipelineRun({ pipelineRunId: 'flow-1', tokenId: TOKEN_ID }),
    ).resolves.toStrictEqual({
      requestId: 'R-2',
      pipelineRunId: 'flow-1',
      status: 'Initialized',
      name: 'nightly',
    });
    const [req] = server.requests;
    expect([req?.method, req?.path, req?.query]).toEqual([
      'GET',
      '/api/v1/pipelineruns/flow-1',
      { TokenId: TOKEN_ID },
    ]);
    expect(req?.headers['x-acs-action']).toBe('GetPipelineRun');
    expect(() => verifySignature(req!, SECRET)).not.toThrow();
  });

  test('listPipelineRunsStatus: PUT a signed JSON body; runs and nodes', async () => {
    const { server, client } = await setUp([
      json(200, {
        RequestId: 'R-3',
        PipelineRuns: [{ PipelineRunId: 'flow-2', Status: 'Succeeded', NodeId: 'root-2' }],
        Nodes: [
          {
            PipelineRunId: 'flow-1',
            NodeId: 'node-1',
            NodeName: 'train',
            Status: 'Failed',
            FinishedAt: '2021-01-21T17:12:40Z',
          },
        ],
      }),
    ]);
    const result = await client.listPipelineRunsStatus({
      nodes: [{ pipelineRunId: 'flow-1', nodeId: 'node-1' }],
      pipelineRuns: ['flow-2'],
    });
    expect(result).toStrictEqual({
      requestId: 'R-3',
      pipelineRuns: [{ pipelineRunId: 'flow-2', status: 'Succeeded', nodeId: 'root-2' }],
      nodes: [
        {
          pipelineRunId: 'flow-1',
          nodeId: 'node-1',
          nodeName: 'train',
          status: 'Failed',
          finishedAt: '2021-01-21T17:12:40.000Z',
          runtimeInfo: { raw: '' },
        },
      ],
    });
    const [req] = server.requests;
    expect([req?.method, req?.rawUrl]).toEqual(['PUT', '/api/v1/pipelineruns']);
    expect(JSON.parse(req?.body ?? '')).toEqual({
      Nodes: [{ PipelineRunId: 'flow-1', NodeId: 'node-1' }],
      PipelineRuns: ['flow-2'],
    });
    expect(req?.headers['content-type']).toBe('application/json');
    expect(verifySignature(req!, SECRET)).toContain('content-type');
  });

  test('listPipelineRunsStatus sends only the lists it is given', async () => {
    const { server, client } = await setUp([json(200, { RequestId: 'R' })]);
    await client.listPipelineRunsStatus({ pipelineRuns: ['flow-2'] });
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ PipelineRuns: ['flow-2'] });
  });
});

describe('input validation: nothing is sent, the error names the field', () => {
  test.each([
    {
      name: 'empty run ID',
      call: (c: PaiflowClient) => c.getPipelineRun({ pipelineRunId: '' }),
      want: 'expected a valid pipelineRunId, got "" which empty',
    },
    {
      name: 'run ID with a slash',
      call: (c: PaiflowClient) => c.getPipelineRun({ pipelineRunId: 'flow/../x' }),
      want: 'pipelineRunId',
    },
    {
      name: 'run ID that is a dot-segment',
      call: (c: PaiflowClient) => c.getPipelineRun({ pipelineRunId: '..' }),
      want: 'pipelineRunId',
    },
    {
      name: 'run ID with spaces around',
      call: (c: PaiflowClient) => c.getPipelineRun({ pipelineRunId: ' flow-1' }),
      want: 'has surrounding whitespace',
    },
    {
      name: 'empty node ID',
      call: (c: PaiflowClient) => c.listPipelineRunNodeStatus({ pipelineRunId: 'f', nodeId: '' }),
      want: 'expected a valid nodeId',
    },
    {
      name: 'depth 0',
      call: (c: PaiflowClient) => c.listPipelineRunNodeStatus({ pipelineRunId: 'f', nodeId: 'n', depth: 0 }),
      want: 'expected depth to be an integer from 1 to 10, got 0',
    },
    {
      name: 'depth 11',
      call: (c: PaiflowClient) => c.listPipelineRunNodeStatus({ pipelineRunId: 'f', nodeId: 'n', depth: 11 }),
      want: 'got 11',
    },
    {
      name: 'fractional depth',
      call: (c: PaiflowClient) =>
        c.listPipelineRunNodeStatus({ pipelineRunId: 'f', nodeId: 'n', depth: 1.5 }),
      want: 'got 1.5',
    },
    {
      name: 'unknown type',
      call: (c: PaiflowClient) =>
        c.listPipelineRunNodeStatus({ pipelineRunId: 'f', nodeId: 'n', type: 'logical' as 'Logical' }),
      want: 'expected type to be Logical or Physical, got "logical"',
    },
    {
      name: 'empty TokenId',
      call: (c: PaiflowClient) =>
        c.listPipelineRunNodeStatus({ pipelineRunId: 'f', nodeId: 'n', tokenId: ' ' }),
      want: 'expected tokenId to be a non-empty string',
    },
    {
      name: 'empty batch',
      call: (c: PaiflowClient) => c.listPipelineRunsStatus({}),
      want: 'expected at least one entry in nodes or pipelineRuns',
    },
    {
      name: 'bad batch node',
      call: (c: PaiflowClient) =>
        c.listPipelineRunsStatus({ nodes: [{ pipelineRunId: 'f', nodeId: 'a/b' }] }),
      want: 'expected a valid nodes[0].nodeId',
    },
    {
      name: 'bad batch run',
      call: (c: PaiflowClient) => c.listPipelineRunsStatus({ pipelineRuns: ['ok', ''] }),
      want: 'pipelineRuns[1]',
    },
  ])('$name', async ({ call, want }) => {
    const { server, client } = await setUp([success]);
    let caught: unknown;
    try {
      await call(client);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PaiflowError);
    expect(caught).toMatchObject({ kind: 'permanent', reason: 'InvalidParameter', code: 'InvalidParameter' });
    expect((caught as Error).message).toContain(want);
    expect(server.requests).toHaveLength(0);
  });

  test.each([
    { options: { timeoutMs: 0 }, want: 'expected timeoutMs to be a positive number, got 0' },
    { options: { maxResponseBytes: -1 }, want: 'expected maxResponseBytes to be a positive number, got -1' },
    {
      options: { endpoint: 'https://paiflow.cn-hangzhou.aliyuncs.com/api' },
      want: 'expected an endpoint such as',
    },
    { options: { retry: { retries: -1 } }, want: 'expected retry.retries' },
  ])('constructor options: $want', ({ options, want }) => {
    expect(
      () =>
        new PaiflowClient({ endpoint: 'https://paiflow.cn-hangzhou.aliyuncs.com', credentials, ...options }),
    ).toThrow(want);
  });
});

const oversized = json(200, { RequestId: 'R', Status: [], Padding: 'x'.repeat(20 * 1024) });

// One row per failure class, without retries so each classification is seen as it is.
const ERROR_CASES: { name: string; step: Step; want: Partial<PaiflowError> }[] = [
  {
    name: '403 Forbidden.RAM',
    step: apiError(403, 'Forbidden.RAM'),
    want: { code: 'Forbidden.RAM', kind: 'permanent', reason: 'Forbidden', httpStatus: 403 },
  },
  {
    name: '400 SignatureDoesNotMatch',
    step: apiError(400, 'SignatureDoesNotMatch'),
    want: { code: 'SignatureDoesNotMatch', kind: 'permanent', reason: 'Unauthorized', httpStatus: 400 },
  },
  {
    name: '404',
    step: apiError(404, 'PipelineRunNotFound'),
    want: { kind: 'permanent', reason: 'NotFound', httpStatus: 404 },
  },
  {
    name: '400 Throttling.User',
    step: apiError(400, 'Throttling.User'),
    want: { code: 'Throttling.User', kind: 'throttled', reason: 'Throttled' },
  },
  {
    name: '429',
    step: json(429, 'Too Many Requests'),
    want: { code: 'Http429', kind: 'throttled', reason: 'Throttled' },
  },
  {
    name: '500',
    step: apiError(500, 'InternalError'),
    want: { kind: 'transient', reason: 'ServerError', httpStatus: 500 },
  },
  {
    name: '503',
    step: apiError(503, 'ServiceUnavailable'),
    want: { kind: 'transient', reason: 'ServerError', httpStatus: 503 },
  },
  {
    name: 'connection reset mid-response',
    step: resetMidResponse,
    want: { code: 'NetworkError', kind: 'transient', reason: 'NetworkError' },
  },
  {
    name: 'malformed JSON',
    step: json(200, '{"RequestId": oops'),
    want: { code: 'BadResponse', kind: 'transient', reason: 'BadResponse' },
  },
  { name: 'truncated body', step: truncatedBody, want: { kind: 'transient', reason: 'NetworkError' } },
  {
    name: 'truncated JSON in a complete response',
    step: json(200, '{"RequestId":"R","Status":[{"NodeId":'),
    want: { kind: 'transient', reason: 'BadResponse' },
  },
  {
    name: 'headers that never come',
    step: hang,
    want: { code: 'Timeout', kind: 'transient', reason: 'Timeout' },
  },
  {
    name: 'oversized body',
    step: oversized,
    want: { code: 'ResponseTooLarge', kind: 'permanent', reason: 'BadResponse' },
  },
];

describe('failure classes over real HTTP', () => {
  test.each(ERROR_CASES)('$name', async ({ step, want }) => {
    const { client, events } = await setUp([step], noRetry);
    const err = await failureOf(
      client.listPipelineRunNodeStatus({ pipelineRunId: 'flow-1', nodeId: 'node-1' }),
    );
    expect(err).toMatchObject({ operation: 'ListPipelineRunNodeStatus', ...want });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: want.kind, code: err.code, attempt: 1 });
  });
});

describe('retries', () => {
  test('after throttling, a 5xx and a connection reset, the fourth attempt succeeds', async () => {
    const { server, client, events } = await setUp([
      apiError(400, 'Throttling.User'),
      apiError(503, 'ServiceUnavailable'),
      resetMidResponse,
      success,
    ]);
    const result = await client.listPipelineRunNodeStatus({ pipelineRunId: 'flow-1', nodeId: 'node-1' });
    expect(result.nodes).toHaveLength(2);
    expect(server.requests).toHaveLength(4);
    for (const req of server.requests) expect(() => verifySignature(req, SECRET)).not.toThrow();
    expect(new Set(server.requests.map((r) => r.headers['x-acs-signature-nonce'])).size).toBe(4);
    expect(
      events.map(({ attempt, outcome, httpStatus, code }) => ({ attempt, outcome, httpStatus, code })),
    ).toEqual([
      { attempt: 1, outcome: 'throttled', httpStatus: 400, code: 'Throttling.User' },
      { attempt: 2, outcome: 'transient', httpStatus: 503, code: 'ServiceUnavailable' },
      { attempt: 3, outcome: 'transient', httpStatus: undefined, code: 'NetworkError' },
      { attempt: 4, outcome: 'success', httpStatus: 200, code: undefined },
    ]);
  });

  test('a malformed body is retried too', async () => {
    const { server, client } = await setUp([json(200, '<html>'), success]);
    await client.listPipelineRunNodeStatus({ pipelineRunId: 'flow-1', nodeId: 'node-1' });
    expect(server.requests).toHaveLength(2);
  });

  test('retries run out: the last error', async () => {
    const { server, client } = await setUp([apiError(500, 'InternalError')], {
      retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 },
    });
    await expect(failureOf(client.getPipelineRun({ pipelineRunId: 'flow-1' }))).resolves.toMatchObject({
      reason: 'ServerError',
    });
    expect(server.requests).toHaveLength(3);
  });

  test.each([
    { name: 'SignatureDoesNotMatch', step: apiError(400, 'SignatureDoesNotMatch') },
    { name: 'InvalidAccessKeyId.NotFound', step: apiError(404, 'InvalidAccessKeyId.NotFound') },
    { name: 'Forbidden.RAM', step: apiError(403, 'Forbidden.RAM') },
    { name: '404', step: apiError(404, 'NotFound') },
  ])('no retry on $name: the server sees exactly one request', async ({ step }) => {
    const { server, client } = await setUp([step, success]);
    await expect(failureOf(client.getPipelineRun({ pipelineRunId: 'flow-1' }))).resolves.toMatchObject({
      kind: 'permanent',
    });
    expect(server.requests).toHaveLength(1);
  });

  test('retry-after is honoured: the next attempt does not come before it', async () => {
    const { server, client } = await setUp([
      apiError(400, 'Throttling.User', { 'x-acs-retry-after': '200' }),
      success,
    ]);
    await client.listPipelineRunNodeStatus({ pipelineRunId: 'flow-1', nodeId: 'node-1' });
    const [first, second] = server.requests;
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(199);
  });

  test('retry-after longer than the budget: the throttled error at once, with retryAfterMs for the caller', async () => {
    const { server, client } = await setUp([
      apiError(429, 'Throttling.Api', { 'retry-after': '45' }),
      success,
    ]);
    const err = await failureOf(client.getPipelineRun({ pipelineRunId: 'flow-1' }));
    expect(err).toMatchObject({ reason: 'Throttled', retryAfterMs: 45_000 });
    expect(server.requests).toHaveLength(1);
  });

  // A hostile or broken server must not silence a resource for years, nor overflow a timer.
  test.each<{ name: string; status: number; code: string; headers: Record<string, string> }>([
    {
      name: '429, x-acs-retry-after 99999999999 (ms)',
      status: 429,
      code: 'Throttling.User',
      headers: { 'x-acs-retry-after': '99999999999' },
    },
    {
      name: '429, retry-after 99999999999 (s)',
      status: 429,
      code: 'Throttling.User',
      headers: { 'retry-after': '99999999999' },
    },
    {
      name: '503, retry-after a date in 2100',
      status: 503,
      code: 'ServiceUnavailable',
      headers: { 'retry-after': 'Fri, 01 Jan 2100 00:00:00 GMT' },
    },
  ])('$name: retryAfterMs held to MAX_SERVER_DELAY_MS', async ({ status, code, headers }) => {
    const { client } = await setUp([apiError(status, code, headers)]);
    const err = await failureOf(client.getPipelineRun({ pipelineRunId: 'flow-1' }));
    expect(err).toMatchObject({
      kind: status === 429 ? 'throttled' : 'transient',
      retryAfterMs: MAX_SERVER_DELAY_MS,
    });
  });

  test('an abort stops retrying: Cancelled, and no further attempt reaches the server', async () => {
    const { server, client } = await setUp([apiError(503, 'ServiceUnavailable')], {
      retry: { retries: 10, minDelayMs: 20, maxDelayMs: 20 },
    });
    const controller = new AbortController();
    const call = client.getPipelineRun({ pipelineRunId: 'flow-1' }, { signal: controller.signal });
    await server.waitForRequests(1);
    controller.abort();
    await expect(failureOf(call)).resolves.toMatchObject({
      reason: 'Cancelled',
      operation: 'GetPipelineRun',
    });
    const seen = server.requests.length;
    // Had retrying gone on, the next attempt would arrive within ~40 ms.
    await expect(server.waitForRequests(seen + 1, 150)).rejects.toThrow('expected');
  });

  test('an abort during an attempt cancels its I/O: Cancelled, no retry, not reported as an attempt', async () => {
    const { server, client, events } = await setUp([hang], { timeoutMs: 5000 });
    const controller = new AbortController();
    const call = client.getPipelineRun({ pipelineRunId: 'flow-1' }, { signal: controller.signal });
    await server.waitForRequests(1);
    controller.abort();
    await expect(failureOf(call)).resolves.toMatchObject({ reason: 'Cancelled' });
    expect(server.requests).toHaveLength(1);
    expect(events).toEqual([]);
  });
});

describe('credentials and lifecycle', () => {
  test('a credentials failure is thrown as it is; nothing is sent', async () => {
    const missing = new PaiflowError({
      message: 'none',
      code: 'CredentialsNotFound',
      operation: 'GetCredentials',
      kind: 'permanent',
      reason: 'CredentialsNotFound',
    });
    const provider: CredentialsProvider = { identity: 'x', getCredentials: () => Promise.reject(missing) };
    const { server, client, events } = await setUp([success], { credentials: provider });
    await expect(client.getPipelineRun({ pipelineRunId: 'flow-1' })).rejects.toBe(missing);
    expect(server.requests).toHaveLength(0);
    expect(events).toEqual([]);
  });

  test('credentials are fetched for every attempt (rotation is picked up)', async () => {
    let calls = 0;
    const provider: CredentialsProvider = {
      identity: 'x',
      getCredentials: (signal) => {
        calls++;
        return credentials.getCredentials(signal);
      },
    };
    const { client } = await setUp([apiError(503, 'ServiceUnavailable'), success], { credentials: provider });
    await client.listPipelineRunNodeStatus({ pipelineRunId: 'flow-1', nodeId: 'node-1' });
    expect(calls).toBe(2);
  });

  test('calls after close fail without a request', async () => {
    const { server, client } = await setUp([success]);
    await client.close();
    await expect(failureOf(client.getPipelineRun({ pipelineRunId: 'flow-1' }))).resolves.toMatchObject({
      code: 'ClientClosed',
    });
    expect(server.requests).toHaveLength(0);
  });
});

describe('no secret leaks', () => {
  const secrets = [SECRET, TOKEN, TOKEN_ID];
  // A server that quotes back what it received, as some do in SignatureDoesNotMatch messages.
  const echo: Step = (res, req) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        Code: 'SignatureDoesNotMatch',
        Message: `string to sign: ${req.rawUrl} ${String(req.headers.authorization)} ${String(req.headers['x-acs-security-token'])} key ${SECRET} token ${TOKEN_ID} encoded ${encodeURIComponent(TOKEN_ID)} ${Buffer.from(SECRET).toString('base64')} ${JSON.stringify(TOKEN)} signature ${parseAuthorization(String(req.headers.authorization))?.signature ?? ''}`,
        RequestId: `R-${TOKEN_ID}`,
        Recommend: `https://x/?q=${TOKEN}`,
      }),
    );
  };

  test.each([
    ...ERROR_CASES.map(({ name, step }) => ({ name, step })),
    { name: 'a server echoing the request', step: echo },
  ])('$name', async ({ step }) => {
    const { server, client } = await setUp([step], noRetry);
    const err = await failureOf(
      client.listPipelineRunNodeStatus({ pipelineRunId: 'flow-1', nodeId: 'node-1', tokenId: TOKEN_ID }),
    );
    const renderings = [
      err.message,
      String(err),
      JSON.stringify(err),
      inspect(err, { depth: Infinity, showHidden: true }),
      err.stack ?? '',
    ];
    const signature = parseAuthorization(String(server.requests[0]?.headers.authorization))?.signature;
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    const forms = [
      ...secrets.flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64')]),
      signature ?? '',
    ];
    for (const text of renderings) {
      for (const secret of forms) expect(text).not.toContain(secret);
      expect(text).not.toContain('ACS3-HMAC-SHA256 Credential');
    }
  });

  test('validation, cancellation and timeouts with a TokenId', async () => {
    const { client } = await setUp([hang], { ...noRetry, timeoutMs: 50 });
    const errors = await Promise.all([
      failureOf(
        client.listPipelineRunNodeStatus({ pipelineRunId: 'f', nodeId: 'n', depth: 99, tokenId: TOKEN_ID }),
      ),
      failureOf(
        client.getPipelineRun({ pipelineRunId: 'f', tokenId: TOKEN_ID }, { signal: AbortSignal.abort() }),
      ),
      failureOf(client.getPipelineRun({ pipelineRunId: 'f', tokenId: TOKEN_ID })),
    ]);
    for (const err of errors) {
      for (const text of [err.message, JSON.stringify(err), inspect(err, { depth: Infinity })]) {
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
    }
  });

  test('credentials objects', async () => {
    const text = [
      inspect(credentials, { depth: Infinity, showHidden: true }),
      JSON.stringify(credentials),
      String(await credentials.getCredentials()),
    ].join();
    for (const secret of [SECRET, TOKEN]) expect(text).not.toContain(secret);
  });
});
