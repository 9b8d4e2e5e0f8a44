import openApiModule, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import { percentEncode as encode } from '../../paiflow/signing.ts';
import { validateScenario } from './scenario.ts';
import { PaiflowSimulator } from './simulator.ts';

// Requests signed by Alibaba's own @alicloud/openapi-client (V3, ACS3-HMAC-SHA256) must be accepted
// as they are: this is what keeps the simulator's verifier honest against a real signer.

const longTerm = { accessKeyId: 'LTAI-sdk', accessKeySecret: 'sdk-secret' };
const sts = { accessKeyId: 'STS.sdk', accessKeySecret: 'sts-secret', securityToken: 'sts-token' };

// A CommonJS module: loaded from ESM, its default import is module.exports, whose `default` is the client.
const OpenApi = openApiModule.default;
type OpenApi = InstanceType<typeof OpenApi>;

let sim: PaiflowSimulator;
let host: string;

beforeAll(async () => {
  sim = new PaiflowSimulator({
    accessKeys: [longTerm, sts],
    scenario: validateScenario({
      runs: [{ id: 'flow-sdk*1', nodes: [{ id: 'node a', duration: '1m', physical: [{ id: 'pod-0' }] }] }],
    }),
    clock: { kind: 'manual' },
  });
  host = new URL(await sim.listen()).host;
  sim.setTime(10_000);
});

afterAll(async () => {
  await sim.close();
});

function client(key: { accessKeyId: string; accessKeySecret: string; securityToken?: string }): OpenApi {
  return new OpenApi(
    new Config({ ...key, endpoint: host, protocol: 'http', readTimeout: 5000, connectTimeout: 5000 }),
  );
}

// The generated SDKs build ROA paths with OpenApiUtil.getEncodeParam: RFC 3986 per segment, as `encode` does.

function params(action: string, method: string, pathname: string): Params {
  return new Params({
    action,
    version: '2021-02-02',
    protocol: 'HTTP',
    pathname,
    method,
    authType: 'AK',
    style: 'ROA',
    reqBodyType: 'json',
    bodyType: 'json',
  });
}

test.each([
  { name: 'long-term key', key: longTerm },
  { name: 'STS key', key: sts },
])('ListPipelineRunNodeStatus with Depth and Type, $name', async ({ key }) => {
  const result = await client(key).callApi(
    params(
      'ListPipelineRunNodeStatus',
      'GET',
      `/api/v1/pipelineruns/${encode('flow-sdk*1')}/nodes/${encode('flow-sdk*1-root')}/status`,
    ),
    new OpenApiRequest({ query: { Depth: '2', Type: 'Physical' } }),
    {} as never,
  );
  expect(result.statusCode).toBe(200);
  expect((result.body as { Status: unknown[] }).Status).toEqual([
    expect.objectContaining({ NodeId: 'pod-0', Status: 'Running' }),
  ]);
});

test('GetPipelineRun', async () => {
  const result = await client(longTerm).callApi(
    params('GetPipelineRun', 'GET', `/api/v1/pipelineruns/${encode('flow-sdk*1')}`),
    new OpenApiRequest({}),
    {} as never,
  );
  expect(result.body).toMatchObject({
    PipelineRunId: 'flow-sdk*1',
    Status: 'Running',
    NodeId: 'flow-sdk*1-root',
  });
});

test('ListPipelineRunsStatus with a JSON body (content-type is signed too)', async () => {
  const result = await client(sts).callApi(
    params('ListPipelineRunsStatus', 'PUT', '/api/v1/pipelineruns'),
    new OpenApiRequest({
      body: { Nodes: [{ PipelineRunId: 'flow-sdk*1', NodeId: 'node a' }], PipelineRuns: ['flow-sdk*1'] },
    }),
    {} as never,
  );
  expect(result.body).toMatchObject({
    PipelineRuns: [expect.objectContaining({ PipelineRunId: 'flow-sdk*1' })],
    Nodes: [expect.objectContaining({ NodeId: 'node a', Status: 'Running' })],
  });
});

test('a wrong secret is refused with the code the SDK surfaces', async () => {
  await expect(
    client({ ...longTerm, accessKeySecret: 'wrong' }).callApi(
      params('GetPipelineRun', 'GET', '/api/v1/pipelineruns/flow-x'),
      new OpenApiRequest({}),
      {} as never,
    ),
  ).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
});
