import { FakeClock } from '../../clock/fake-clock.ts';
import { PaiflowError, StaticCredentialsProvider, type CredentialsProvider } from '../../paiflow/index.ts';
import { PaiflowSimulator, validateScenario } from '../../sandbox/paiflow-sim/index.ts';
import { BlackHole } from '../../../test/support/black-hole.ts';
import { PaiflowGateway, type PaiflowGatewayOptions, type PaiflowTarget } from './paiflow-gateway.ts';

// The buckets run on a FakeClock, so which requests may go is decided by the test, while the
// requests themselves travel over real HTTP to the simulator (whose own clocks are real).

const keyA = { accessKeyId: 'LTAI-gateway-a', accessKeySecret: 'secret-a' };
const keyB = { accessKeyId: 'LTAI-gateway-b', accessKeySecret: 'secret-b' };
const NODES = 200;

const scenario = validateScenario({
  runs: [
    {
      id: 'flow-big',
      nodes: Array.from({ length: NODES }, (_, i) => ({ id: `node-${i}`, duration: '1h' })),
    },
    { id: 'flow-shared', shareToken: 'share-token', nodes: [{ id: 'node-s', duration: '1h' }] },
  ],
});

let sim: PaiflowSimulator;
let endpoint: string;
let clock: FakeClock;
let gateway: PaiflowGateway | undefined;

beforeEach(async () => {
  sim = new PaiflowSimulator({ accessKeys: [keyA, keyB], scenario, clock: { kind: 'manual' } });
  endpoint = await sim.listen();
  clock = new FakeClock({ now: 1_000_000 });
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  await sim.close();
});

function newGateway(options: Partial<PaiflowGatewayOptions> = {}): PaiflowGateway {
  gateway = new PaiflowGateway({ clock, qps: 20, burst: 5, maxConcurrent: 8, ...options });
  return gateway;
}

const target = (credentials: CredentialsProvider): PaiflowTarget => ({ endpoint, credentials });
const a = (): PaiflowTarget => target(new StaticCredentialsProvider(keyA));
const b = (): PaiflowTarget => target(new StaticCredentialsProvider(keyB));
const node = (i: number) => ({ pipelineRunId: 'flow-big', nodeId: `node-${i}` });
const sent = (key: { accessKeyId: string } = keyA): number => sim.counts().byAccessKey[key.accessKeyId] ?? 0;

/** Waits (on real time: HTTP is real) until `condition` holds. */
async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Counts settled promises, to wait for them without awaiting all. */
function tracked<T>(promises: Promise<T>[]): {
  settled: () => number;
  all: Promise<PromiseSettledResult<T>[]>;
} {
  let settled = 0;
  const all = Promise.allSettled(
    promises.map((p) =>
      p.finally(() => {
        settled += 1;
      }),
    ),
  );
  return { settled: () => settled, all };
}

test('200 concurrent calls for distinct nodes: burst 5 go at once, then 20 per second, never more', async () => {
  const gw = newGateway({ qps: 20, burst: 5 });
  const calls = tracked(Array.from({ length: NODES }, (_, i) => gw.listPipelineRunNodeStatus(a(), node(i))));
  await until(() => calls.settled() === 5, 'the burst to be answered');
  // The bucket is empty and its clock stands still: nothing else may go out.
  await new Promise((resolve) => setImmediate(resolve));
  expect(sent()).toBe(5);

  for (let elapsedMs = 250; calls.settled() < NODES; elapsedMs += 250) {
    clock.advance(250);
    const allowed = Math.min(NODES, 5 + (20 * elapsedMs) / 1000);
    await until(() => calls.settled() === allowed, `${allowed} answers at ${elapsedMs} ms`);
    expect(sent()).toBe(allowed);
  }
  const results = await calls.all;
  expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
  expect(Object.keys(sim.counts().byNode)).toHaveLength(NODES);
});

test('identical concurrent calls are made once; other identity, depth or token make their own', async () => {
  const gw = newGateway({ burst: 10 });
  const shared = { pipelineRunId: 'flow-shared', nodeId: 'node-s' };
  const same = await Promise.all(
    Array.from({ length: 10 }, () => gw.listPipelineRunNodeStatus(a(), node(0))),
  );
  expect(sent()).toBe(1);
  expect(new Set(same).size).toBe(1);
  expect(same[0]?.nodes[0]?.nodeId).toBe('node-0');

  const others = await Promise.allSettled([
    gw.listPipelineRunNodeStatus(b(), node(0)),
    gw.listPipelineRunNodeStatus(a(), { ...node(0), depth: 2 }),
    gw.listPipelineRunNodeStatus(a(), { ...shared, tokenId: 'share-token' }),
    gw.listPipelineRunNodeStatus(a(), { ...shared, tokenId: 'share-token' }),
    gw.listPipelineRunNodeStatus(a(), { ...shared, tokenId: 'wrong-token' }),
    gw.getPipelineRun(a(), { pipelineRunId: 'flow-big' }),
  ]);
  expect(others.map((r) => r.status)).toEqual([
    'fulfilled',
    'fulfilled',
    'fulfilled',
    'fulfilled',
    'rejected',
    'fulfilled',
  ]);
  expect(sim.counts().total).toBe(6);

  // Once settled, the same request goes out again.
  await gw.listPipelineRunNodeStatus(a(), node(0));
  expect(sim.counts().byNode['flow-big/node-0']).toBe(4);
});

test('a caller that stops waiting leaves the shared request to the others', async () => {
  const gw = newGateway({ burst: 1 });
  await gw.listPipelineRunNodeStatus(a(), node(9)); // empties the bucket
  const leaving = new AbortController();
  const first = gw.listPipelineRunNodeStatus(a(), node(0), { signal: leaving.signal });
  const second = gw.listPipelineRunNodeStatus(a(), node(0));
  leaving.abort();
  await expect(first).rejects.toMatchObject({ name: 'PaiflowError', reason: 'Cancelled' });
  clock.advance(50);
  await expect(second).resolves.toMatchObject({ nodes: [{ nodeId: 'node-0' }] });
  expect(sent()).toBe(2);
});

test('when every caller has gone, the request is not sent and its token stays unspent', async () => {
  const gw = newGateway({ burst: 1 });
  await gw.listPipelineRunNodeStatus(a(), node(9));
  const controllers = [new AbortController(), new AbortController()];
  const calls = controllers.map((c) => gw.listPipelineRunNodeStatus(a(), node(0), { signal: c.signal }));
  for (const c of controllers) c.abort();
  for (const call of calls) await expect(call).rejects.toMatchObject({ reason: 'Cancelled' });
  clock.advance(50);
  // The token that refilled is still there for the next request.
  await gw.listPipelineRunNodeStatus(a(), node(1));
  expect(sim.counts().byNode['flow-big/node-0']).toBeUndefined();
  expect(sent()).toBe(2);
});

test('a throttled answer pauses its identity until retry-after, and only that identity', async () => {
  const gw = newGateway();
  sim.injectFault({ kind: 'throttling', count: 1 });
  const error = await gw.listPipelineRunNodeStatus(a(), node(0)).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(PaiflowError);
  expect(error).toMatchObject({ kind: 'throttled', retryAfterMs: 1000 });
  expect(sent()).toBe(1); // one attempt: the client does not retry on its own

  // A new identity arrives while A is paused, and A's paused bucket must survive it.
  await gw.listPipelineRunNodeStatus(b(), node(1));
  expect(sent(keyB)).toBe(1);
  const paused = tracked([gw.listPipelineRunNodeStatus(a(), node(1))]);
  clock.advance(999);
  await new Promise((resolve) => setImmediate(resolve));
  expect([sent(), paused.settled()]).toEqual([1, 0]);
  clock.advance(1);
  await paused.all;
  expect(sent()).toBe(2);
});

test('two identities have separate buckets', async () => {
  const gw = newGateway({ qps: 1, burst: 2 });
  const calls = tracked(
    [a, b].flatMap((who) => [0, 1, 2].map((i) => gw.listPipelineRunNodeStatus(who(), node(i)))),
  );
  await until(() => calls.settled() === 4, 'two answers per identity');
  expect([sent(keyA), sent(keyB)]).toEqual([2, 2]);
  clock.advance(1000);
  await calls.all;
  expect([sent(keyA), sent(keyB)]).toEqual([3, 3]);
});

test('at most maxConcurrent requests are in flight; a freed slot goes to the waiting call', async () => {
  const gw = newGateway({ maxConcurrent: 2, maxConcurrentPerIdentity: 2, burst: 3 });
  sim.injectFault({ kind: 'hang' });
  const callers = [0, 1, 2].map(() => new AbortController());
  const calls = tracked(
    callers.map((c, i) => gw.listPipelineRunNodeStatus(a(), node(i), { signal: c.signal })),
  );
  await until(() => sim.counts().total === 2, 'two requests in flight');
  await new Promise((resolve) => setImmediate(resolve));
  expect(sim.counts().total).toBe(2);
  sim.clearFaults();
  callers[0]?.abort();
  callers[1]?.abort();
  const results = await calls.all;
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  expect(sent()).toBe(3);
});

describe('fair share (issue 17): slots per endpoint and per identity at an endpoint', () => {
  let hole: BlackHole;
  beforeEach(() => {
    hole = new BlackHole();
  });
  afterEach(async () => {
    await gateway?.close();
    await hole.close();
  });

  test('an endpoint that never answers holds only its own slots: the same identity elsewhere goes at once', async () => {
    const hung = { endpoint: await hole.listen(), credentials: new StaticCredentialsProvider(keyA) };
    const gw = newGateway({ maxConcurrent: 2, maxConcurrentPerIdentity: 2, burst: 20, timeoutMs: 60_000 });
    const stuck = tracked([0, 1, 2, 3].map((i) => gw.listPipelineRunNodeStatus(hung, node(i))));
    await until(() => hole.accepted === 2, 'two requests held by the black hole');
    // The endpoint's two slots are taken; the same credentials at another endpoint do not wait.
    await expect(gw.listPipelineRunNodeStatus(a(), node(10))).resolves.toMatchObject({
      nodes: [expect.anything()],
    });
    await expect(gw.getPipelineRun(a(), { pipelineRunId: 'flow-big' })).resolves.toBeDefined();
    expect(hole.accepted).toBe(2);
    expect(stuck.settled()).toBe(0);
  });

  test('a bucket dropped at rest while a call waits for its slot is not used beside its replacement', async () => {
    const hung = { endpoint: await hole.listen(), credentials: new StaticCredentialsProvider(keyA) };
    const gw = newGateway({ qps: 1, burst: 1, maxConcurrentPerIdentity: 1, timeoutMs: 60_000 });
    const first = new AbortController();
    const held = gw.listPipelineRunNodeStatus(hung, node(0), { signal: first.signal }).catch(() => undefined);
    await until(() => hole.accepted === 1, 'the first request held');
    const waiting = gw.listPipelineRunNodeStatus(hung, node(1)).catch(() => undefined);
    clock.advance(1000); // A's bucket is full again, nobody waits on it: at rest.
    await gw.getPipelineRun(b(), { pipelineRunId: 'flow-shared', tokenId: 'share-token' }); // drops it
    await gw.listPipelineRunNodeStatus(a(), node(2)); // A's new bucket, its one token spent
    first.abort();
    await held;
    // The waiting call has its slot now, but A has no token: a stale bucket would let it go, and
    // its connection would be accepted before this round trip (of a third, unknown key) ends.
    const stranger = target(
      new StaticCredentialsProvider({ accessKeyId: 'LTAI-c', accessKeySecret: 'secret-c-0123' }),
    );
    // (The simulator answers an unknown key InvalidAccessKeyId.NotFound.)
    await expect(gw.getPipelineRun(stranger, { pipelineRunId: 'flow-big' })).rejects.toMatchObject({
      code: 'InvalidAccessKeyId.NotFound',
    });
    expect(hole.accepted).toBe(1);
    clock.advance(1000);
    await until(() => hole.accepted === 2, 'the waiting call sent once a token came');
    await gw.close();
    await waiting;
  });

  test('one identity holds at most its share of an endpoint: another identity there finds a slot', async () => {
    const gw = newGateway({ maxConcurrent: 4, burst: 20 });
    sim.injectFault({ kind: 'latency', latencyMs: 60_000, pipelineRunId: 'flow-big' });
    const slow = tracked([0, 1, 2, 3, 4].map((i) => gw.listPipelineRunNodeStatus(a(), node(i))));
    await until(() => sent(keyA) === 2, "A's share (half of 4) in flight");
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent(keyA)).toBe(2);
    // B's call goes at once, although A has three more waiting.
    await expect(
      gw.getPipelineRun(b(), { pipelineRunId: 'flow-shared', tokenId: 'share-token' }),
    ).resolves.toBeDefined();
    expect(slow.settled()).toBe(0);
  });
});

test('close() rejects waiting and later calls', async () => {
  const gw = newGateway({ burst: 1 });
  await gw.listPipelineRunNodeStatus(a(), node(0));
  const closed = { name: 'PaiflowError', code: 'ClientClosed', reason: 'Cancelled' };
  const waiting = expect(gw.listPipelineRunNodeStatus(a(), node(1))).rejects.toMatchObject(closed);
  await gw.close();
  await waiting;
  await expect(gw.getPipelineRun(a(), { pipelineRunId: 'flow-big' })).rejects.toMatchObject(closed);
  expect(sent()).toBe(1);
});

test.each([
  {
    name: 'maxConcurrent',
    options: { maxConcurrent: 0 },
    want: 'expected maxConcurrent to be an integer >= 1, got 0',
  },
  {
    name: 'maxConcurrentPerIdentity',
    options: { maxConcurrentPerIdentity: 1.5 },
    want: 'expected maxConcurrentPerIdentity to be an integer >= 1, got 1.5',
  },
  { name: 'qps', options: { qps: -1 }, want: 'expected qps to be a positive number, got -1' },
  { name: 'burst', options: { burst: 0.5 }, want: 'expected burst to be an integer >= 1, got 0.5' },
  { name: 'timeoutMs', options: { timeoutMs: 0 }, want: 'expected timeoutMs to be a positive number, got 0' },
])('rejects an invalid $name', ({ options, want }) => {
  expect(() => new PaiflowGateway({ clock, qps: 1, burst: 1, maxConcurrent: 1, ...options })).toThrow(want);
});

test('an urgent call goes ahead of every routine call of its identity still waiting for a token', async () => {
  const gw = newGateway({ qps: 20, burst: 5 });
  const routine = tracked(Array.from({ length: 15 }, (_, i) => gw.listPipelineRunNodeStatus(a(), node(i))));
  await until(() => routine.settled() === 5, 'the burst to be answered');
  const urgent = gw.listPipelineRunNodeStatus(a(), node(NODES - 1), { urgent: true });
  const urgentSent = (): boolean => sim.counts().byNode[`flow-big/node-${NODES - 1}`] === 1;
  // The next token goes to the routine call already holding the identity's turn (it asked first and
  // is past the queue); the one after it to the urgent call, not to the nine routine calls before it.
  clock.advance(50);
  await until(() => sent() === 6, 'the next routine call');
  expect(urgentSent()).toBe(false);
  clock.advance(50);
  await until(() => sent() === 7, 'one more call');
  expect(urgentSent()).toBe(true);
  await urgent;
  for (let answered = 7; answered <= 15; answered++) {
    clock.advance(50);
    await until(() => routine.settled() === answered, `${answered} routine calls answered`);
  }
  expect(sent()).toBe(16);
});
