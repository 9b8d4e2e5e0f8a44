import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import {
  ACCESS_KEY,
  callsFor,
  condition,
  createSecret,
  eventsAbout,
  NAMESPACE,
  pipelineRunNode,
  startWithNeighbour,
  waitFor,
  waitForResource,
  type Environment,
  type NeighbourEnvironments,
} from '../support/environment.ts';

// Issue 17, case 1: a namespace that knows another's AccessKey ID, but not its secret, polls the
// same run at the same moment. Requests are shared and rate limited per credentials (key ID, secret
// and token), so B's request goes on the wire on its own, signed with B's secret, and the simulator
// (which checks signatures) refuses it: B is Unauthorized, A untouched, whichever asks first.

const TENANT_B = 'team-b';
const JUNK_SECRET = 'junk-secret-of-team-b-0123';
const B_CREDENTIALS = 'borrowed-key-id';
// Long enough that the second resource's first request arrives while the first's is held.
const LATENCY_MS = 1500;

let tenants: NeighbourEnvironments;
let env: Environment;

beforeAll(async () => {
  tenants = await startWithNeighbour(TENANT_B, {
    runs: ['flow-tenantab01', 'flow-tenantba01'].map((id) => ({
      id,
      nodes: [{ id: 'node-a', duration: '10h' }],
    })),
    manager: { stalledRetryMs: 60_000 },
  });
  env = tenants.env;
  env.paiflow.setTime(30_000);
  await createSecret(tenants.neighbour, B_CREDENTIALS, {
    accessKeyId: ACCESS_KEY.accessKeyId,
    accessKeySecret: JUNK_SECRET,
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await tenants.close();
});

function resourceOf(tenant: 'a' | 'b', runId: string): Record<string, unknown> {
  const object = pipelineRunNode(env, `${runId}-${tenant}`, { pipelineRunId: runId, nodeId: 'node-a' });
  if (tenant === 'a') return object;
  const spec = { ...(object.spec as object), credentialsSecretRef: { name: B_CREDENTIALS } };
  return { ...object, metadata: { name: `${runId}-b`, namespace: TENANT_B }, spec };
}

async function stateOf(tenant: 'a' | 'b', runId: string) {
  const namespace = tenant === 'a' ? NAMESPACE : TENANT_B;
  const view = { ...env, namespace };
  const resource = await waitForResource(
    view,
    `${runId}-${tenant}`,
    (r) => condition(r, 'Synced') !== undefined,
    'a first poll recorded',
  );
  return { resource, events: await eventsAbout(view, `${runId}-${tenant}`) };
}

describe.each([
  { first: 'a', second: 'b', runId: 'flow-tenantab01' },
  { first: 'b', second: 'a', runId: 'flow-tenantba01' },
] as const)(
  '$first polls first, then $second joins while the request is in flight',
  ({ first, second, runId }) => {
    test('B gets Unauthorized and A is untouched', async () => {
      env.paiflow.injectFault({ kind: 'latency', latencyMs: LATENCY_MS, pipelineRunId: runId, count: 2 });
      await env.cluster.create(resourceOf(first, runId));
      // The simulator counts a request when it arrives, before the latency.
      await waitFor(() => callsFor(env, runId) >= 1, `${first}'s request to arrive`);
      await env.cluster.create(resourceOf(second, runId));
      await waitFor(() => callsFor(env, runId) >= 2, `${second}'s own request to arrive`);

      const a = await stateOf('a', runId);
      expect(condition(a.resource, 'Synced')).toMatchObject({ status: 'True' });
      expect(a.resource.status?.phase).toBe('Running');
      expect(a.events.filter((e) => e.type === 'Warning')).toEqual([]);

      const b = await stateOf('b', runId);
      expect(condition(b.resource, 'Stalled')).toMatchObject({ status: 'True', reason: 'Unauthorized' });
      expect(condition(b.resource, 'Synced')).toMatchObject({ status: 'False', reason: 'Unauthorized' });
      expect(b.resource.status?.phase).toBeUndefined();
      expect(b.resource.status?.nodeName).toBeUndefined();

      // A stays fine while B keeps being refused on its stalled retries and A keeps being polled.
      const polled = callsFor(env, runId);
      await waitFor(() => callsFor(env, runId) >= polled + 3, 'three more polls of the run');
      const later = await stateOf('a', runId);
      expect(condition(later.resource, 'Synced')).toMatchObject({ status: 'True' });
      expect(later.events.filter((e) => e.type === 'Warning')).toEqual([]);
    });
  },
);

test('the borrowed key ID met the simulator with a bad signature, and no secret reached the log', () => {
  expect(env.paiflow.counts().byOutcome).toMatchObject({ SignatureDoesNotMatch: expect.any(Number) });
  const log = env.logLines.join('');
  expect(log).not.toContain(JUNK_SECRET);
  expect(log).not.toContain(ACCESS_KEY.accessKeySecret);
});
