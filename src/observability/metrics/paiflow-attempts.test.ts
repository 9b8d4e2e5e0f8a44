import { PaiflowGateway } from '../../controller/paiflow-gateway/index.ts';
import { PaiflowError, StaticCredentialsProvider } from '../../paiflow/index.ts';
import { apiError, hang, json, ScriptedServer } from '../../paiflow/scripted-server.test-helper.ts';
import { family, newMetrics } from './exposition.test-helper.ts';

const credentials = new StaticCredentialsProvider({ accessKeyId: 'LTAI-metrics', accessKeySecret: 'secret' });
const NODE = { pipelineRunId: 'flow-1', nodeId: 'node-1' };
const OK = json(200, {
  RequestId: 'R',
  Status: [{ NodeId: 'node-1', NodeName: 'train', Status: 'Running', RuntimeInfo: '{}' }],
});

let server: ScriptedServer | undefined;
let gateway: PaiflowGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await server?.close();
  gateway = undefined;
  server = undefined;
});

describe('PAIFlow request metrics through the real gateway and client', () => {
  test('requests by operation and status (none without an answer), their latency, and throttling', async () => {
    const { registry, metrics, clock } = newMetrics();
    server = await ScriptedServer.start(
      OK,
      apiError(500, 'InternalError'),
      hang,
      apiError(400, 'Throttling.User'),
      apiError(429, 'Throttling'),
    );
    gateway = new PaiflowGateway({
      clock,
      qps: 100,
      burst: 10,
      maxConcurrent: 1,
      timeoutMs: 100,
      onAttempt: metrics.paiflowAttempt,
    });
    const target = { endpoint: server.endpoint, credentials };
    await gateway.listPipelineRunNodeStatus(target, NODE);
    for (let i = 0; i < 4; i++) {
      await expect(gateway.listPipelineRunNodeStatus(target, NODE)).rejects.toBeInstanceOf(PaiflowError);
      clock.advance(60_000); // past any pause a throttled answer put on the identity
    }

    const nonZero = async (name: string) =>
      (await family(registry, name)).filter((line) => !line.endsWith(' 0'));
    expect(await nonZero('paiflow_api_requests_total')).toEqual([
      'paiflow_api_requests_total{operation="ListPipelineRunNodeStatus",code="200"} 1',
      'paiflow_api_requests_total{operation="ListPipelineRunNodeStatus",code="400"} 1',
      'paiflow_api_requests_total{operation="ListPipelineRunNodeStatus",code="429"} 1',
      'paiflow_api_requests_total{operation="ListPipelineRunNodeStatus",code="500"} 1',
      'paiflow_api_requests_total{operation="ListPipelineRunNodeStatus",code="none"} 1',
    ]);
    expect(await nonZero('paiflow_api_throttled_total')).toEqual([
      'paiflow_api_throttled_total{operation="ListPipelineRunNodeStatus"} 2',
    ]);
    expect(
      await family(registry, 'paiflow_api_request_duration_seconds', '_count', 'ListPipelineRunNodeStatus'),
    ).toEqual(['paiflow_api_request_duration_seconds_count{operation="ListPipelineRunNodeStatus"} 5']);
    // The hung request alone took its 100 ms timeout.
    const [sum] = await family(
      registry,
      'paiflow_api_request_duration_seconds',
      '_sum',
      'ListPipelineRunNodeStatus',
    );
    expect(Number(sum?.split(' ')[1])).toBeGreaterThanOrEqual(0.1);
  });
});
