import { FakeClock } from '../../clock/fake-clock.ts';
import { ItemExponentialFailureRateLimiter, type RateLimiter } from './rate-limiters.ts';
import { createRateLimitingQueue } from './rate-limiting-queue.ts';
import type { QueueObserver } from './queue-observer.ts';
import { flushMicrotasks } from './script.test-helper.ts';

/** mulberry32: a small seeded generator, so a failing seed replays exactly. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keys = ['a', 'b', 'c', 'd', 'e'];

/**
 * Drives random adds, delayed adds, rate-limited adds, forgets, clock ticks and finished work into
 * one queue served by 2-4 consumers, and returns every broken invariant it saw (none expected):
 * a key is never processed by two consumers at once, never handed out again without a new request,
 * never before the earliest time requested for it, is queued (or dirty) once that time has come,
 * the queue holds no key twice, and every requested key is processed after its last request; and
 * its observer hears each add handed out exactly once and a depth equal to `len()`.
 */
async function run(seed: number, steps: number): Promise<string[]> {
  const random = seeded(seed);
  const pick = <V>(values: readonly V[]): V => values[Math.floor(random() * values.length)] as V;
  const clock = new FakeClock({ now: 0 });
  const inner = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 10, maxDelayMs: 80 });
  let lastWhen = 0;
  const rateLimiter: RateLimiter<string> = {
    when: (key) => (lastWhen = inner.when(key)),
    forget: (key) => {
      inner.forget(key);
    },
    numRequeues: (key) => inner.numRequeues(key),
  };
  const violations: string[] = [];
  // What the observer says must agree with the queue: each add handed out once, depth = len().
  const observed = { pending: new Set<string>(), processing: new Set<string>(), depth: 0 };
  const observer: QueueObserver<string> = {
    added: (key) => {
      if (observed.pending.has(key)) violations.push(`${key} added twice without a hand-out`);
      observed.pending.add(key);
    },
    handedOut: (key) => {
      if (!observed.pending.delete(key)) violations.push(`${key} handed out without an add`);
      observed.processing.add(key);
    },
    done: (key) => {
      if (!observed.processing.delete(key)) violations.push(`${key} done without a hand-out`);
    },
    depth: (queued) => {
      observed.depth = queued;
    },
  };
  const queue = createRateLimitingQueue<string>({ clock, rateLimiter, observer });

  let seq = 0;
  const lastRequest = new Map<string, number>();
  const lastStart = new Map<string, number>();
  /** The earliest time asked for by the requests since the key was last handed out. */
  const dueAt = new Map<string, number>();
  const held = new Map<string, () => void>();
  const request = (key: string, delayMs: number): void => {
    lastRequest.set(key, ++seq);
    dueAt.set(key, Math.min(dueAt.get(key) ?? Infinity, clock.now() + Math.max(0, delayMs)));
  };

  const consumer = async (id: number): Promise<void> => {
    for (;;) {
      const next = await queue.get();
      if (next.shutdown) return;
      const key = next.item;
      if (held.has(key)) violations.push(`consumer ${id} got ${key} while another holds it`);
      if ((lastStart.get(key) ?? -1) > (lastRequest.get(key) ?? -1))
        violations.push(`${key} handed out twice for one request`);
      if (clock.now() < (dueAt.get(key) ?? -Infinity))
        violations.push(`${key} handed out at ${clock.now()}, due ${dueAt.get(key)}`);
      lastStart.set(key, ++seq);
      dueAt.delete(key);
      await new Promise<void>((resolve) => held.set(key, resolve));
      held.delete(key);
      queue.done(key);
    }
  };
  const consumers = Array.from({ length: 2 + Math.floor(random() * 3) }, (_, id) => consumer(id));

  const checkQueue = (): void => {
    const queued = keys.filter((key) => queue.isPending(key) && !held.has(key)).length;
    if (queue.len() !== queued) violations.push(`len ${queue.len()} but ${queued} distinct keys queued`);
    if (observed.depth !== queue.len()) violations.push(`depth ${observed.depth} but len ${queue.len()}`);
    for (const [key, due] of dueAt) {
      if (due <= clock.now() && !queue.isPending(key))
        violations.push(`${key} due at ${due} but not queued at ${clock.now()}`);
    }
  };

  for (let step = 0; step < steps; step++) {
    const roll = random();
    const key = pick(keys);
    if (roll < 0.25) {
      request(key, 0);
      queue.add(key);
    } else if (roll < 0.45) {
      const delayMs = Math.floor(random() * 120) - 20;
      request(key, delayMs);
      queue.addAfter(key, delayMs);
    } else if (roll < 0.55) {
      const notBeforeMs = random() < 0.3 ? Math.floor(random() * 100) : undefined;
      queue.addRateLimited(key, { notBeforeMs });
      request(key, Math.max(lastWhen, notBeforeMs ?? 0));
    } else if (roll < 0.6) {
      queue.forget(key);
    } else if (roll < 0.8) {
      const holder = pick([...held.values()]) as (() => void) | undefined;
      holder?.();
    } else {
      clock.advance(Math.floor(random() * 40));
    }
    await flushMicrotasks();
    checkQueue();
  }

  // Quiesce: finish all work and let every delay pass, until nothing is left anywhere.
  for (let round = 0; held.size > 0 || queue.len() > 0 || clock.pendingTimers() > 0; round++) {
    if (round === 1000) return [...violations, 'the queue never became quiet'];
    for (const release of held.values()) release();
    await flushMicrotasks();
    const next = clock.nextTimerAt();
    if (held.size === 0 && queue.len() === 0 && next !== undefined) clock.setTime(next);
    await flushMicrotasks();
    checkQueue();
  }
  for (const key of keys) {
    if ((lastStart.get(key) ?? -1) < (lastRequest.get(key) ?? -1))
      violations.push(`${key} not processed after its last request`);
  }
  if (observed.pending.size > 0)
    violations.push(`added but never handed out: ${[...observed.pending].join(', ')}`);
  // A broken queue can leave consumers stuck: report rather than wait for them.
  if (violations.length > 0) return violations;
  await queue.onIdle();
  queue.shutDown();
  await Promise.all(consumers);
  return violations;
}

describe('random sequences on the fake clock', () => {
  test.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i keeps every invariant', async (seed) => {
    expect(await run(seed, 400)).toEqual([]);
  });
});
