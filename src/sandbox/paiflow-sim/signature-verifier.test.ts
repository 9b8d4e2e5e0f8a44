import { validateScenario } from './scenario.ts';
import {
  rawRequest,
  signedRequest,
  signRequest,
  type TestKey,
  type TestRequest,
  type TestResponse,
} from './signed-request.test-helper.ts';
import { SignatureVerifier } from './signature-verifier.ts';
import { PaiflowSimulator } from './simulator.ts';

const key: TestKey = { accessKeyId: 'LTAI-long-term', accessKeySecret: 'long-term-secret' };
const sts: TestKey = {
  accessKeyId: 'STS.sts-key',
  accessKeySecret: 'sts-secret',
  securityToken: 'sts-token-1',
};
const EPOCH = Date.parse('2024-05-01T00:00:00Z');
const MINUTE = 60_000;

let wall: number;
let sim: PaiflowSimulator;
let endpoint: string;

beforeEach(async () => {
  wall = EPOCH;
  sim = new PaiflowSimulator({
    accessKeys: [key, sts],
    scenario: validateScenario({ runs: [{ id: 'flow-1', nodes: [{ id: 'node-a', duration: '1m' }] }] }),
    clock: { kind: 'manual' },
    now: () => wall,
  });
  endpoint = await sim.listen();
});

afterEach(async () => {
  await sim.close();
});

const getRun: TestRequest = { action: 'GetPipelineRun', path: ['api', 'v1', 'pipelineruns', 'flow-1'] };

const call = (signer: TestKey, req: Partial<TestRequest> = {}): Promise<TestResponse> =>
  signedRequest(endpoint, signer, { ...getRun, signedAtMs: wall, ...req });

function withoutHeader(name: string): (h: Record<string, string>) => Record<string, string> {
  return (headers) => Object.fromEntries(Object.entries(headers).filter(([n]) => n !== name));
}

function unsign(name: string): (h: Record<string, string>) => Record<string, string> {
  return (headers) => ({
    ...headers,
    authorization: (headers.authorization ?? '').replace(
      /SignedHeaders=([^,]+)/,
      (_, list: string) =>
        `SignedHeaders=${list
          .split(';')
          .filter((n) => n !== name)
          .join(';')}`,
    ),
  });
}

describe('every rejection has its code', () => {
  test.each([
    {
      name: 'no Authorization',
      signer: key,
      req: { tamper: withoutHeader('authorization') },
      status: 400,
      code: 'IncompleteSignature',
    },
    {
      name: 'malformed Authorization',
      signer: key,
      req: {
        tamper: (h: Record<string, string>) => ({ ...h, authorization: 'ACS3-HMAC-SHA256 Credential=x' }),
      },
      status: 400,
      code: 'IncompleteSignature',
    },
    {
      name: 'nonce header missing',
      signer: key,
      req: { tamper: withoutHeader('x-acs-signature-nonce') },
      status: 400,
      code: 'IncompleteSignature',
    },
    {
      name: 'content hash not signed',
      signer: key,
      req: { tamper: unsign('x-acs-content-sha256') },
      status: 400,
      code: 'IncompleteSignature',
    },
    {
      name: 'host not signed',
      signer: key,
      req: { tamper: unsign('host') },
      status: 400,
      code: 'IncompleteSignature',
    },
    {
      name: 'unknown access key',
      signer: { accessKeyId: 'LTAI-nobody', accessKeySecret: 'x' },
      req: {},
      status: 404,
      code: 'InvalidAccessKeyId.NotFound',
    },
    {
      name: 'wrong secret',
      signer: { ...key, accessKeySecret: 'wrong' },
      req: {},
      status: 400,
      code: 'SignatureDoesNotMatch',
    },
    {
      name: 'a signed header changed in transit',
      signer: key,
      req: { tamper: (h: Record<string, string>) => ({ ...h, 'x-acs-signature-nonce': 'other' }) },
      status: 400,
      code: 'SignatureDoesNotMatch',
    },
    {
      name: 'x-acs-date missing',
      signer: key,
      req: { tamper: withoutHeader('x-acs-date') },
      status: 400,
      code: 'InvalidTimeStamp.Format',
    },
    {
      name: 'x-acs-date malformed',
      signer: key,
      req: { tamper: (h: Record<string, string>) => ({ ...h, 'x-acs-date': '2024-05-01 00:00:00' }) },
      status: 400,
      code: 'InvalidTimeStamp.Format',
    },
    {
      name: 'signed 16 minutes ago',
      signer: key,
      req: { signedAtMs: EPOCH - 16 * MINUTE },
      status: 400,
      code: 'InvalidTimeStamp.Expired',
    },
    {
      name: 'signed 16 minutes ahead',
      signer: key,
      req: { signedAtMs: EPOCH + 16 * MINUTE },
      status: 400,
      code: 'InvalidTimeStamp.Expired',
    },
    {
      name: 'signed 14 minutes ago',
      signer: key,
      req: { signedAtMs: EPOCH - 14 * MINUTE },
      status: 200,
      code: undefined,
    },
    {
      name: 'STS token missing',
      signer: sts,
      req: { tamper: withoutHeader('x-acs-security-token') },
      status: 400,
      code: 'MissingSecurityToken',
    },
    {
      name: 'STS token wrong',
      signer: { ...sts, securityToken: 'sts-token-2' },
      req: {},
      status: 400,
      code: 'InvalidSecurityToken.MismatchWithAccessKey',
    },
    {
      name: 'STS token not signed',
      signer: sts,
      req: { tamper: unsign('x-acs-security-token') },
      status: 400,
      code: 'IncompleteSignature',
    },
    { name: 'STS key with its token', signer: sts, req: {}, status: 200, code: undefined },
    {
      name: 'extra signed headers are fine',
      signer: key,
      req: {
        extraHeaders: { 'x-acs-credentials-provider': 'static_ak', 'x-acs-accesskey-id': 'LTAI-long-term' },
      },
      status: 200,
      code: undefined,
    },
  ])('$name → $status $code', async ({ signer, req, status, code }) => {
    const res = await call(signer, req);
    expect([res.status, res.json?.Code]).toEqual([status, code]);
  });

  test('the query is part of the signature', async () => {
    const wire = signRequest(endpoint, key, { ...getRun, signedAtMs: wall, query: { TokenId: 'a' } });
    const res = await rawRequest(endpoint, { ...wire, path: wire.path.replace('TokenId=a', 'TokenId=b') });
    expect([res.status, res.json?.Code]).toEqual([400, 'SignatureDoesNotMatch']);
    expect(res.json?.Message).toContain('server string to sign is: ACS3-HMAC-SHA256\n');
  });

  test('the path is part of the signature', async () => {
    const wire = signRequest(endpoint, key, { ...getRun, signedAtMs: wall });
    const res = await rawRequest(endpoint, { ...wire, path: '/api/v1/pipelineruns/flow-2' });
    expect([res.status, res.json?.Code]).toEqual([400, 'SignatureDoesNotMatch']);
  });

  test('the body is part of the signature', async () => {
    const batch = { method: 'PUT', action: 'ListPipelineRunsStatus', path: ['api', 'v1', 'pipelineruns'] };
    const wire = signRequest(endpoint, key, {
      ...batch,
      signedAtMs: wall,
      body: '{"PipelineRuns":["flow-1"]}',
    });
    const res = await rawRequest(endpoint, { ...wire, body: '{"PipelineRuns":["flow-2"]}' });
    expect([res.status, res.json?.Code]).toEqual([400, 'SignatureDoesNotMatch']);
    expect(res.json?.Message).toContain('x-acs-content-sha256 is not the SHA-256 of the body');
  });
});

describe('nonces', () => {
  test('a nonce is refused the second time for the same key, within the window', async () => {
    expect((await call(key, { nonce: 'n-1' })).status).toBe(200);
    const replay = await call(key, { nonce: 'n-1' });
    expect([replay.status, replay.json?.Code]).toEqual([400, 'SignatureNonceUsed']);
    expect((await call(sts, { nonce: 'n-1' })).status).toBe(200);
    wall += 15 * MINUTE + 1;
    expect((await call(key, { nonce: 'n-1' })).status).toBe(200);
  });

  test('failed requests do not burn nonces', async () => {
    expect((await call({ ...key, accessKeySecret: 'wrong' }, { nonce: 'n-2' })).status).toBe(400);
    expect((await call(key, { nonce: 'n-2' })).status).toBe(200);
  });

  test('memory is bounded: past maxNoncesPerKey the oldest nonces are forgotten first', () => {
    const verifier = new SignatureVerifier({ accessKeys: [key], now: () => wall, maxNoncesPerKey: 2 });
    const verify = (nonce: string): string => {
      const wire = signRequest('http://127.0.0.1:1', key, { ...getRun, signedAtMs: wall, nonce });
      try {
        verifier.verify({
          method: 'GET',
          pathSegments: wire.path.split('/'),
          rawQuery: '',
          headers: wire.headers,
          body: Buffer.alloc(0),
        });
        return 'OK';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    expect(['n1', 'n2', 'n3', 'n3', 'n1'].map(verify)).toEqual([
      'OK',
      'OK',
      'OK',
      'SignatureNonceUsed',
      'OK',
    ]);
  });
});
