import { FakeClock } from '../../clock/fake-clock.ts';
import { TokenBucket } from './token-bucket.ts';

/** Starts `take()`s and records the order in which they resolve. */
function recorder(bucket: TokenBucket) {
  const granted: string[] = [];
  const take = (name: string, signal?: AbortSignal): Promise<void> =>
    bucket.take(signal).then(() => {
      granted.push(name);
    });
  return { granted, take };
}

/** Lets resolved promises run their continuations. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock({ now: 1_000_000 });
});

test.each([
  { name: 'qps zero', options: { qps: 0, burst: 1 }, want: 'expected qps to be a positive number, got 0' },
  { name: 'qps NaN', options: { qps: NaN, burst: 1 }, want: 'expected qps to be a positive number, got NaN' },
  { name: 'burst zero', options: { qps: 1, burst: 0 }, want: 'expected burst to be an integer >= 1, got 0' },
  {
    name: 'burst fractional',
    options: { qps: 1, burst: 1.5 },
    want: 'expected burst to be an integer >= 1, got 1.5',
  },
])('rejects options: $name', ({ options, want }) => {
  expect(() => new TokenBucket({ clock, ...options })).toThrow(want);
});

test('a new bucket gives `burst` tokens at once, then one every 1/qps seconds', async () => {
  const bucket = new TokenBucket({ clock, qps: 10, burst: 3 });
  const { granted, take } = recorder(bucket);
  const all = Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => take(name)));
  await flush();
  expect(granted).toEqual(['a', 'b', 'c']);
  clock.advance(99);
  await flush();
  expect(granted).toEqual(['a', 'b', 'c']);
  clock.advance(1);
  await flush();
  expect(granted).toEqual(['a', 'b', 'c', 'd']);
  clock.advance(100);
  await all;
  expect(granted).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(clock.pendingTimers()).toBe(0);
});

test('refills up to burst, never beyond', () => {
  const bucket = new TokenBucket({ clock, qps: 10, burst: 2 });
  expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
  clock.advance(60_000);
  expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
  expect(bucket.atRest).toBe(false);
  clock.advance(200);
  expect(bucket.atRest).toBe(true);
});

test('over any window, at most burst + qps * window tokens are handed out', async () => {
  const qps = 7;
  const burst = 4;
  const bucket = new TokenBucket({ clock, qps, burst });
  const start = clock.now();
  const grantedAt: number[] = [];
  const takes = Array.from({ length: 60 }, () =>
    bucket.take().then(() => {
      grantedAt.push(clock.now() - start);
    }),
  );
  await flush();
  // Tokens are handed out only by the bucket's timer: jump from one to the next, noting the times.
  for (let next = clock.nextTimerAt(); next !== undefined; next = clock.nextTimerAt()) {
    clock.setTime(next);
    await flush();
  }
  await Promise.all(takes);
  for (const [i, from] of grantedAt.entries()) {
    for (const to of grantedAt.slice(i)) {
      const inWindow = grantedAt.filter((t) => t >= from && t <= to).length;
      expect(inWindow).toBeLessThanOrEqual(burst + (qps * (to - from)) / 1000);
    }
  }
});

test('waiters are served first come, first served, and tryTake does not jump the queue', async () => {
  const bucket = new TokenBucket({ clock, qps: 10, burst: 1 });
  const { granted, take } = recorder(bucket);
  expect(bucket.tryTake()).toBe(true);
  const all = Promise.all(['a', 'b', 'c'].map((name) => take(name)));
  clock.advance(100);
  // A token is there, but it is a's.
  expect(bucket.tryTake()).toBe(false);
  clock.advance(200);
  await all;
  expect(granted).toEqual(['a', 'b', 'c']);
});

test('an aborted waiter leaves the queue without a token, and the next one gets it', async () => {
  const bucket = new TokenBucket({ clock, qps: 10, burst: 1 });
  const { granted, take } = recorder(bucket);
  bucket.tryTake();
  const controller = new AbortController();
  const a = take('a', controller.signal);
  const b = take('b');
  controller.abort(new Error('gone'));
  await expect(a).rejects.toThrow('gone');
  clock.advance(100);
  await b;
  expect(granted).toEqual(['b']);
  await expect(bucket.take(controller.signal)).rejects.toThrow('gone');
});

test('timers run only while someone waits', async () => {
  const bucket = new TokenBucket({ clock, qps: 1, burst: 1 });
  expect(clock.pendingTimers()).toBe(0);
  bucket.tryTake();
  expect(clock.pendingTimers()).toBe(0);
  const controllers = [new AbortController(), new AbortController()];
  const waits = controllers.map((c) => bucket.take(c.signal));
  expect(clock.pendingTimers()).toBe(1);
  for (const c of controllers) c.abort();
  await Promise.allSettled(waits);
  expect(clock.pendingTimers()).toBe(0);
});

test('penalize pauses the whole bucket, then restarts it with one token', async () => {
  const bucket = new TokenBucket({ clock, qps: 10, burst: 5 });
  const { granted, take } = recorder(bucket);
  bucket.penalize(clock.now() + 1000);
  expect(bucket.tryTake()).toBe(false);
  expect(bucket.atRest).toBe(false);
  const all = Promise.all(['a', 'b', 'c'].map((name) => take(name)));
  clock.advance(999);
  await flush();
  expect(granted).toEqual([]);
  clock.advance(1);
  await flush();
  // Not the full burst of 5: the account's quota is spent.
  expect(granted).toEqual(['a']);
  clock.advance(100);
  await flush();
  expect(granted).toEqual(['a', 'b']);
  clock.advance(100);
  await all;
  expect(granted).toEqual(['a', 'b', 'c']);
});

test('a shorter penalty does not shorten one in force, a longer one extends it', async () => {
  const bucket = new TokenBucket({ clock, qps: 10, burst: 1 });
  const { granted, take } = recorder(bucket);
  const now = clock.now();
  bucket.penalize(now + 500);
  const a = take('a');
  bucket.penalize(now + 100);
  clock.advance(400);
  await flush();
  expect(granted).toEqual([]);
  bucket.penalize(now + 800);
  clock.advance(300);
  await flush();
  expect(granted).toEqual([]);
  clock.advance(100);
  await a;
  expect(granted).toEqual(['a']);
});

test('refund gives a token back to the next waiter, up to burst', async () => {
  const bucket = new TokenBucket({ clock, qps: 1, burst: 1 });
  const { granted, take } = recorder(bucket);
  bucket.tryTake();
  const a = take('a');
  bucket.refund();
  await a;
  expect(granted).toEqual(['a']);
  bucket.refund();
  bucket.refund();
  expect([bucket.tryTake(), bucket.tryTake()]).toEqual([true, false]);
});

test('a clock that jumps backwards adds no tokens', () => {
  const bucket = new TokenBucket({ clock, qps: 10, burst: 1 });
  bucket.tryTake();
  clock.setTime(clock.now() - 10_000);
  clock.advance(10_099);
  expect(bucket.tryTake()).toBe(false);
  clock.advance(1);
  expect(bucket.tryTake()).toBe(true);
});
