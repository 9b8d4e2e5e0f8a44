import type { ThrottleOptions } from './account-throttle.ts';
import { signedRequest, type TestKey, type TestResponse } from './signed-request.test-helper.ts';
import { PaiflowSimulator } from './simulator.ts';

const alice1: TestKey & { account: string } = {
  accessKeyId: 'LTAI-alice-1',
  accessKeySecret: 's1',
  account: 'alice',
};
const alice2: TestKey & { account: string } = {
  accessKeyId: 'LTAI-alice-2',
  accessKeySecret: 's2',
  account: 'alice',
};
const bob: TestKey = { accessKeyId: 'LTAI-bob', accessKeySecret: 's3' };
const EPOCH = Date.parse('2024-05-01T00:00:00Z');

let wall: number;
const open: PaiflowSimulator[] = [];

async function start(throttle: ThrottleOptions): Promise<(key: TestKey) => Promise<TestResponse>> {
  const sim = new PaiflowSimulator({
    accessKeys: [alice1, alice2, bob],
    throttle,
    clock: { kind: 'manual' },
    now: () => wall,
  });
  open.push(sim);
  const url = await sim.listen();
  return (key) =>
    signedRequest(url, key, {
      signedAtMs: wall,
      action: 'GetPipelineRun',
      path: ['api', 'v1', 'pipelineruns', 'flow-x'],
    });
}

beforeEach(() => {
  wall = EPOCH;
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((sim) => sim.close()));
});

// Requests that pass throttling reach the operation, which answers 404 for the unknown run.
const PASSED = [404, 'InvalidPipelineRunId.NotFound'];

test('a burst passes, then Throttling.User with x-acs-retry-after in ms, then the bucket refills', async () => {
  const call = await start({ qps: 2, burst: 3 });
  for (let i = 0; i < 3; i++) {
    const res = await call(alice1);
    expect([res.status, res.json?.Code]).toEqual(PASSED);
  }
  const throttled = await call(alice1);
  expect([throttled.status, throttled.json?.Code]).toEqual([400, 'Throttling.User']);
  expect(throttled.headers['x-acs-retry-after']).toBe('500');
  wall += 499;
  expect((await call(alice1)).json?.Code).toBe('Throttling.User');
  wall += 1;
  expect((await call(alice1)).json?.Code).toBe(PASSED[1]);
});

test('keys of one account share a bucket; other accounts have their own', async () => {
  const call = await start({ qps: 1, burst: 1 });
  expect((await call(alice1)).json?.Code).toBe(PASSED[1]);
  expect((await call(alice2)).json?.Code).toBe('Throttling.User');
  expect((await call(bob)).json?.Code).toBe(PASSED[1]);
});

test.each([
  { name: 'status 429', options: { qps: 1, status: 429 as const }, status: 429, retryAfter: '1000' },
  {
    name: 'no retry-after',
    options: { qps: 1, retryAfter: 'off' as const },
    status: 400,
    retryAfter: undefined,
  },
  { name: 'fixed retry-after', options: { qps: 1, retryAfter: 2500 }, status: 400, retryAfter: '2500' },
])('$name', async ({ options, status, retryAfter }) => {
  const call = await start(options);
  await call(bob);
  const res = await call(bob);
  expect([res.status, res.json?.Code, res.headers['x-acs-retry-after']]).toEqual([
    status,
    'Throttling.User',
    retryAfter,
  ]);
});

test('requests that fail authentication take no token', async () => {
  const call = await start({ qps: 1, burst: 1 });
  expect((await call({ ...bob, accessKeySecret: 'wrong' })).json?.Code).toBe('SignatureDoesNotMatch');
  expect((await call(bob)).json?.Code).toBe(PASSED[1]);
});
