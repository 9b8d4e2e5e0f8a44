import { Agent } from 'undici';
import { AccessCredentials } from './credentials.ts';
import {
  hang,
  json,
  resetMidResponse,
  ScriptedServer,
  truncatedBody,
  verifySignature,
  type Step,
  failureOf,
} from './scripted-server.test-helper.ts';
import { EMPTY_BODY_SHA256, sha256Hex } from './signing.ts';
import { pathSegmentProblem, Transport, type TransportOptions, type TransportRequest } from './transport.ts';

const SECRET = 'transport-secret-value';
const TOKEN = 'transport-sts-token-value';
const NOW = Date.UTC(2024, 4, 6, 7, 8, 9, 500);
const credentials = new AccessCredentials({ accessKeyId: 'AKID', accessKeySecret: SECRET });
const stsCredentials = new AccessCredentials({
  accessKeyId: 'STS.AKID',
  accessKeySecret: SECRET,
  securityToken: TOKEN,
});

const statusRequest: TransportRequest = {
  operation: 'ListPipelineRunNodeStatus',
  method: 'GET',
  pathSegments: ['api', 'v1', 'pipelineruns', 'flow-1', 'nodes', 'node-1', 'status'],
  query: { Depth: '2', Type: 'Logical' },
};

let server: ScriptedServer | undefined;
let transport: Transport | undefined;

async function setUp(
  steps: Step[],
  options: Partial<TransportOptions> = {},
): Promise<{ server: ScriptedServer; transport: Transport }> {
  server = await ScriptedServer.start(...steps);
  transport = new Transport({
    endpoint: server.endpoint,
    timeoutMs: 1000,
    maxResponseBytes: 4096,
    now: () => NOW,
    userAgent: 'paiflow-controller/test',
    ...options,
  });
  return { server, transport };
}

afterEach(async () => {
  await transport?.close();
  await server?.close();
  transport = undefined;
  server = undefined;
});

describe('the signed request', () => {
  test('GET: method, path, query, headers, and a signature a server can verify', async () => {
    const { server, transport } = await setUp([json(200, { ok: true })]);
    await expect(transport.send(statusRequest, credentials)).resolves.toMatchObject({
      httpStatus: 200,
      body: '{"ok":true}',
      headers: { 'content-type': 'application/json' },
    });
    const [req] = server.requests;
    expect(req?.method).toBe('GET');
    expect(req?.rawUrl).toBe('/api/v1/pipelineruns/flow-1/nodes/node-1/status?Depth=2&Type=Logical');
    expect(req?.headers).toMatchObject({
      host: new URL(server.endpoint).host,
      'x-acs-action': 'ListPipelineRunNodeStatus',
      'x-acs-version': '2021-02-02',
      'x-acs-date': '2024-05-06T07:08:09Z',
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
      accept: 'application/json',
      'user-agent': 'paiflow-controller/test',
    });
    expect(req?.headers['x-acs-signature-nonce']).toMatch(/^[0-9a-f]{32}$/);
    expect(req?.headers['content-type']).toBeUndefined();
    expect(req?.headers['x-acs-security-token']).toBeUndefined();
    expect(verifySignature(req!, SECRET)).toEqual([
      'host',
      'x-acs-action',
      'x-acs-content-sha256',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-version',
    ]);
    expect(() => verifySignature(req!, 'another-secret')).toThrow('signature does not match');
  });

  test('PUT with a JSON body: content-type and body hash are signed; STS token sent and signed', async () => {
    const { server, transport } = await setUp([json(200, {})]);
    const body = { Nodes: [{ PipelineRunId: 'flow-1', NodeId: 'node-1' }] };
    await transport.send(
      {
        operation: 'ListPipelineRunsStatus',
        method: 'PUT',
        pathSegments: ['api', 'v1', 'pipelineruns'],
        jsonBody: body,
      },
      stsCredentials,
    );
    const [req] = server.requests;
    expect(req?.method).toBe('PUT');
    expect(JSON.parse(req?.body ?? '')).toEqual(body);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['x-acs-content-sha256']).toBe(sha256Hex(req?.body ?? ''));
    expect(req?.headers['x-acs-security-token']).toBe(TOKEN);
    expect(verifySignature(req!, SECRET)).toEqual(
      expect.arrayContaining(['content-type', 'x-acs-security-token']),
    );
  });

  test('a fresh nonce on every request', async () => {
    const { server, transport } = await setUp([json(200, {})]);
    await transport.send(statusRequest, credentials);
    await transport.send(statusRequest, credentials);
    const nonces = server.requests.map((r) => r.headers['x-acs-signature-nonce']);
    expect(new Set(nonces).size).toBe(2);
  });

  test('segments and query values are percent-encoded, so an ID stays one segment', async () => {
    const { server, transport } = await setUp([json(200, {})]);
    await transport.send(
      { ...statusRequest, pathSegments: ['api', 'flow a*?#%', 'n~1'], query: { TokenId: 'a+b/c=d&e' } },
      credentials,
    );
    const [req] = server.requests;
    expect(req?.rawUrl).toBe('/api/flow%20a%2A%3F%23%25/n~1?TokenId=a%2Bb%2Fc%3Dd%26e');
    expect(req?.path).toBe('/api/flow a*?#%/n~1');
    expect(req?.query).toEqual({ TokenId: 'a+b/c=d&e' });
    expect(() => verifySignature(req!, SECRET)).not.toThrow();
  });

  test.each([
    { value: 'a/b', want: "contains '/'" },
    { value: '..', want: "is '.' or '..'" },
    { value: '.', want: "is '.' or '..'" },
    { value: '', want: 'empty' },
    { value: 'a\nb', want: 'contains control characters' },
    { value: '..a', want: undefined },
    { value: 'flow-rbvg5wzljzjhc9****', want: undefined },
  ])('pathSegmentProblem($value)', ({ value, want }) => {
    expect(pathSegmentProblem(value)).toBe(want);
  });

  test('a segment that would change the path is refused before anything is sent', async () => {
    const { server, transport } = await setUp([json(200, {})]);
    await expect(
      transport.send({ ...statusRequest, pathSegments: ['api', '..', 'x'] }, credentials),
    ).rejects.toThrow(TypeError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('failures', () => {
  test('an error response becomes a classified PaiflowError with retry-after', async () => {
    const { transport } = await setUp([
      json(
        429,
        { Code: 'Throttling.User', Message: 'slow down', RequestId: 'R-9' },
        { 'x-acs-retry-after': '3000' },
      ),
    ]);
    const err = await failureOf(transport.send(statusRequest, credentials));
    expect(err).toMatchObject({
      code: 'Throttling.User',
      kind: 'throttled',
      reason: 'Throttled',
      httpStatus: 429,
      requestId: 'R-9',
      retryAfterMs: 3000,
    });
  });

  test('headers that never come: Timeout', async () => {
    const { transport } = await setUp([hang], { timeoutMs: 150 });
    const started = performance.now();
    const err = await failureOf(transport.send(statusRequest, credentials));
    expect(err).toMatchObject({ code: 'Timeout', kind: 'transient', reason: 'Timeout' });
    expect(err.message).toContain('within 150 ms');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('a body that stalls: Timeout (the limit covers the body too)', async () => {
    const stall: Step = (res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"Req');
    };
    const { transport } = await setUp([stall], { timeoutMs: 150 });
    await expect(failureOf(transport.send(statusRequest, credentials))).resolves.toMatchObject({
      reason: 'Timeout',
    });
  });

  test('connection reset mid-response: NetworkError', async () => {
    const { transport } = await setUp([resetMidResponse]);
    const err = await failureOf(transport.send(statusRequest, credentials));
    expect(err).toMatchObject({ code: 'NetworkError', kind: 'transient', reason: 'NetworkError' });
    expect(err.message).toMatch(/failed on the network \(.+\)/);
  });

  test('body shorter than declared: NetworkError', async () => {
    const { transport } = await setUp([truncatedBody]);
    await expect(failureOf(transport.send(statusRequest, credentials))).resolves.toMatchObject({
      kind: 'transient',
      reason: 'NetworkError',
    });
  });

  test('connection refused: NetworkError', async () => {
    const { server, transport } = await setUp([json(200, {})]);
    await server.close();
    const err = await failureOf(transport.send(statusRequest, credentials));
    expect(err).toMatchObject({ reason: 'NetworkError' });
    expect(err.message).toContain('ECONNREFUSED');
  });

  test.each([
    { name: 'declared length', step: json(200, 'x'.repeat(5000)) },
    {
      name: 'streamed without a length',
      step: ((res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
        res.end();
      }) satisfies Step,
    },
  ])('oversized body ($name): ResponseTooLarge', async ({ step }) => {
    const { transport } = await setUp([step]);
    const err = await failureOf(transport.send(statusRequest, credentials));
    expect(err).toMatchObject({
      code: 'ResponseTooLarge',
      kind: 'permanent',
      reason: 'BadResponse',
      httpStatus: 200,
    });
    expect(err.message).toContain('larger than 4096 bytes');
  });

  test('the caller aborts while waiting for headers: Cancelled at once', async () => {
    const { server, transport } = await setUp([hang], { timeoutMs: 5000 });
    const controller = new AbortController();
    const call = transport.send(statusRequest, credentials, controller.signal);
    await server.waitForRequests(1);
    const started = performance.now();
    controller.abort();
    await expect(failureOf(call)).resolves.toMatchObject({
      code: 'Cancelled',
      reason: 'Cancelled',
      kind: 'permanent',
    });
    expect(performance.now() - started).toBeLessThan(500);
  });

  test('an already aborted signal sends nothing', async () => {
    const { server, transport } = await setUp([json(200, {})]);
    await expect(
      failureOf(transport.send(statusRequest, credentials, AbortSignal.abort())),
    ).resolves.toMatchObject({ reason: 'Cancelled' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('lifecycle', () => {
  test('an injected dispatcher is used and left open', async () => {
    const agent = new Agent();
    try {
      const { transport } = await setUp([json(200, {})], { dispatcher: agent });
      await transport.close();
      // Still usable by its owner after the transport is closed.
      const response = await agent.request({ origin: server!.endpoint, path: '/', method: 'GET' });
      await response.body.text();
      expect(response.statusCode).toBe(200);
    } finally {
      await agent.close();
    }
  });

  test('close is idempotent', async () => {
    const { transport } = await setUp([json(200, {})]);
    await transport.close();
    await expect(transport.close()).resolves.toBeUndefined();
  });
});
