import { FakeClock } from '../../src/clock/fake-clock.ts';
import { apiError, ScriptedServer } from '../../src/paiflow/scripted-server.test-helper.ts';
import { MAX_SERVER_DELAY_MS } from '../../src/util/delays.ts';
import {
  condition,
  createSecret,
  pipelineRunNode,
  startKubeSimEnvironment,
  waitFor,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// Hostile retry-after headers from a PAIFlow endpoint (an allow-listed one that a tenant controls, or
// a proxy gone wrong): the resource is polled again after MAX_SERVER_DELAY_MS, not in years. The
// controller runs on a fake clock, so "not before a minute, but right after it" is checked exactly;
// every request is real HTTP. (That no timer overflows is src/clock/clock.test.ts.)
// The observer plans each call on that clock, even one due at once: while the test waits for an
// outcome, the timers already due are run, but time does not move.

const HOSTILE: { name: string; status: number; code: string; headers: Record<string, string> }[] = [
  { name: 'acs-ms', status: 429, code: 'Throttling.User', headers: { 'x-acs-retry-after': '99999999999' } },
  { name: 'http-seconds', status: 429, code: 'Throttling.User', headers: { 'retry-after': '99999999999' } },
  {
    name: 'http-date-2100',
    status: 503,
    code: 'ServiceUnavailable',
    headers: { 'retry-after': 'Fri, 01 Jan 2100 00:00:00 GMT' },
  },
];

let env: KubeSimEnvironment;
const clock = new FakeClock({ now: Date.now() });
const servers: ScriptedServer[] = [];

beforeAll(async () => {
  env = await startKubeSimEnvironment({ runs: [], manager: { clock } });
});

/** Waits for `outcome` while running the controller's due timers (time stands still). */
async function runningDueTimers<T>(outcome: Promise<T>): Promise<T> {
  const ticking = setInterval(() => clock.runDue(), 10);
  try {
    return await outcome;
  } finally {
    clearInterval(ticking);
  }
}

afterAll(async () => {
  // Shutdown's grace timers run on the controller's clock: keep it moving until everything stopped.
  const ticking = setInterval(() => clock.advance(1000), 10);
  await env.close();
  clearInterval(ticking);
  for (const server of servers) await server.close();
});

test.each(HOSTILE)('$status with $headers: polled again after a minute', async (hostile) => {
  const server = await ScriptedServer.start(apiError(hostile.status, hostile.code, hostile.headers));
  servers.push(server);
  // Credentials of its own: a throttled identity is paused for every resource using it.
  const secret = `key-${hostile.name}`;
  await createSecret(env, secret, {
    accessKeyId: `LTAI-${hostile.name}`,
    accessKeySecret: 'hostile-0123456789',
  });
  env.kube.create(
    pipelineRunNode(env, hostile.name, {
      credentialsSecretRef: { name: secret },
      endpoint: server.endpoint,
      pipelineRunId: 'flow-hostile',
      nodeId: 'node-1',
    }),
  );
  const r = await runningDueTimers(
    waitForResource(env, hostile.name, (x) => condition(x, 'Synced')?.status === 'False', 'Synced=False'),
  );
  expect(condition(r, 'Synced')?.message).toContain(hostile.code);
  await env.manager.queue.onIdle();
  expect(server.requests).toHaveLength(1);

  clock.advance(MAX_SERVER_DELAY_MS - 1000);
  // Every call due by now made and answered: a retry planned too early would be the second request.
  await runningDueTimers(waitFor(() => env.manager.observer.stats().backlog === 0, 'no call due'));
  await env.manager.queue.onIdle();
  expect(server.requests).toHaveLength(1);
  clock.advance(2000);
  await runningDueTimers(server.waitForRequests(2));
});
