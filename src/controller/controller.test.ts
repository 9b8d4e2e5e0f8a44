import { pino } from 'pino';
import { FakeClock } from '../clock/fake-clock.ts';
import { Controller, splitKey, type ReconcileOutcome } from './controller.ts';
import { createRateLimitingQueue } from './queue/index.ts';
import { RetryableError, type ReconcileContext, type Result } from './reconcile-result.ts';

/** A result, a thrown Error, `{ panic }` (a thrown non-Error), or 'block' (wait for release or abort). */
type Step = Result | Error | { panic: string } | 'block';

/** A reconciler that plays a script per key and records what it saw. */
function scripted(script: Record<string, Step[]>) {
  const calls: string[] = [];
  const running = new Set<string>();
  let overlap = false;
  const blocked: { key: string; context: ReconcileContext; release: () => void }[] = [];
  return {
    calls,
    blocked,
    overlapSeen: () => overlap,
    async reconcile(key: string, context: ReconcileContext): Promise<Result> {
      if (running.has(key)) overlap = true;
      running.add(key);
      calls.push(key);
      try {
        const step = script[key]?.shift() ?? {};
        if (step === 'block') {
          await new Promise<void>((release) => {
            blocked.push({ key, context, release });
            context.signal.addEventListener('abort', () => release());
          });
          return {};
        }
        if (step instanceof Error) throw step;
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point: a non-Error thrown
        if ('panic' in step) throw step.panic;
        return step;
      } finally {
        running.delete(key);
      }
    },
  };
}

function setUp(script: Record<string, Step[]>, workers = 2) {
  const clock = new FakeClock({ now: 0 });
  const queue = createRateLimitingQueue<string>({ clock });
  const reconciler = scripted(script);
  const outcomes: ReconcileOutcome[] = [];
  const controller = new Controller({
    name: 'test',
    queue,
    reconciler,
    workers,
    clock,
    log: pino({ level: 'silent' }),
    observer: { reconciled: ({ outcome }) => outcomes.push(outcome) },
  });
  controller.start();
  return { clock, queue, reconciler, outcomes, controller };
}

test.each<{ name: string; step: Step; want: ReconcileOutcome; requeued: boolean; backoff: number }>([
  { name: 'success forgets the key', step: {}, want: 'success', requeued: false, backoff: 0 },
  {
    name: 'requeueAfter plans a poll',
    step: { requeueAfterMs: 30_000 },
    want: 'requeue_after',
    requeued: true,
    backoff: 0,
  },
  { name: 'an error backs off', step: new Error('boom'), want: 'error', requeued: true, backoff: 1 },
  {
    name: 'a retryable error backs off',
    step: new RetryableError({ message: 'throttled', reason: 'Throttled' }),
    want: 'error',
    requeued: true,
    backoff: 1,
  },
  {
    name: 'a panic is caught and backs off',
    step: { panic: 'not an Error' },
    want: 'panic',
    requeued: true,
    backoff: 1,
  },
])('$name', async ({ step, want, requeued, backoff }) => {
  const { queue, outcomes, controller } = setUp({ 'ns/a': [step] });
  queue.add('ns/a');
  await queue.onIdle();
  expect(outcomes).toEqual([want]);
  expect(queue.numRequeues('ns/a')).toBe(backoff);
  expect(queue.len()).toBe(0); // whatever was requeued waits for its delay
  expect(queue.isPending('ns/a')).toBe(false);
  await controller.stop(0);
  expect(requeued || outcomes.length === 1).toBe(true);
});

test('a planned requeue runs after its delay, and an error backs off 1 s then 2 s, honouring retry-after', async () => {
  const { clock, queue, reconciler, controller } = setUp({
    'ns/a': [
      { requeueAfterMs: 30_000 },
      new Error('e1'),
      new RetryableError({ message: 'slow down', reason: 'Throttled', retryAfterMs: 10_000 }),
      {},
    ],
  });
  queue.add('ns/a');
  await queue.onIdle();
  clock.advance(29_999);
  await queue.onIdle();
  expect(reconciler.calls).toHaveLength(1);
  clock.advance(1); // the planned poll
  await queue.onIdle();
  expect(reconciler.calls).toHaveLength(2); // failed: backoff 1 s
  clock.advance(1000);
  await queue.onIdle();
  expect(reconciler.calls).toHaveLength(3); // failed with retry-after 10 s, beyond the 2 s backoff
  clock.advance(9_999);
  await queue.onIdle();
  expect(reconciler.calls).toHaveLength(3);
  clock.advance(1);
  await queue.onIdle();
  expect(reconciler.calls).toHaveLength(4);
  expect(queue.numRequeues('ns/a')).toBe(0); // success forgot the failures
  await controller.stop(0);
});

test('one key is never reconciled by two workers; an add during a reconcile runs once afterwards', async () => {
  const { queue, reconciler, controller } = setUp({ 'ns/a': ['block', {}] }, 4);
  queue.add('ns/a');
  await new Promise<void>((resolve) => {
    const poll = () => (reconciler.blocked.length > 0 ? resolve() : setImmediate(poll));
    poll();
  });
  queue.add('ns/a');
  queue.add('ns/a');
  queue.add('ns/a');
  reconciler.blocked[0]!.release();
  await queue.onIdle();
  expect(reconciler.calls).toEqual(['ns/a', 'ns/a']);
  expect(reconciler.overlapSeen()).toBe(false);
  await controller.stop(0);
});

test('stop hands out no more keys and aborts an in-flight reconcile after the grace period', async () => {
  const { clock, queue, reconciler, controller } = setUp({ 'ns/a': ['block'] }, 1);
  queue.add('ns/a');
  queue.add('ns/b');
  await new Promise<void>((resolve) => {
    const poll = () => (reconciler.blocked.length > 0 ? resolve() : setImmediate(poll));
    poll();
  });
  const stopped = controller.stop(5_000);
  expect(reconciler.blocked[0]!.context.signal.aborted).toBe(false);
  clock.advance(5_000);
  await stopped;
  expect(reconciler.blocked[0]!.context.signal.aborted).toBe(true);
  expect(reconciler.calls).toEqual(['ns/a']); // ns/b was queued, never handed out
});

test('workers must be a positive integer', () => {
  const clock = new FakeClock();
  expect(
    () =>
      new Controller({
        name: 'x',
        queue: createRateLimitingQueue<string>({ clock }),
        reconciler: scripted({}),
        workers: 0,
        clock,
        log: pino({ level: 'silent' }),
      }),
  ).toThrow('expected workers to be an integer of at least 1, got 0');
});

test.each([
  { key: 'team-a/train', want: ['team-a', 'train'] },
  { key: 'cluster-scoped', want: ['', 'cluster-scoped'] },
])('splitKey($key)', ({ key, want }) => {
  expect(splitKey(key)).toEqual(want);
});
