import type { FakeClock } from '../../clock/fake-clock.ts';
import type { DelayingQueue } from './delaying-queue.ts';
import type { RateLimitingQueue } from './rate-limiting-queue.ts';
import type { WorkQueue } from './work-queue.ts';

/**
 * Runs `steps` against `queue` (any layer; a step of a layer it lacks fails the test) and returns what was observed, in order, so a test states an exact
 * sequence as a `{ name, steps, want }` row. Steps (items are single words):
 *
 * | step | action | observed |
 * |---|---|---|
 * | `add a` / `done a` / `forget a` | the method | |
 * | `after a 100` | `addAfter(a, 100)` | |
 * | `retry a` / `retry a 5000` | `addRateLimited(a)` / with `notBeforeMs: 5000` | |
 * | `get` | a new, numbered `get()` | `get#1 a` or `get#1 shutdown` when it resolves |
 * | `len` / `pending a` / `requeues a` | the query | `len 2` / `pending a true` / `requeues a 3` |
 * | `tick 100` | `clock.advance(100)` | |
 * | `timers` | the clock's pending timers | `timers 1 next 1100` or `timers 0` |
 * | `shutdown` / `drain` / `idle` | `shutDown()` / `shutDownWithDrain()` / `onIdle()` | `drained` / `idle` when they resolve |
 *
 * Promise results are reported after the step that settled them, in the order they were created.
 */
export async function runScript(
  queue: WorkQueue<string>,
  steps: string[],
  clock?: FakeClock,
): Promise<string[]> {
  const trace: string[] = [];
  const watched: { label: (value: unknown) => string; settled?: unknown; reported: boolean }[] = [];
  const watch = (promise: Promise<unknown>, label: (value: unknown) => string): void => {
    const entry: (typeof watched)[number] = { label, reported: false };
    watched.push(entry);
    void promise.then((value) => {
      entry.settled = { value };
    });
  };
  let getters = 0;

  for (const step of steps) {
    const [op, item = '', arg] = step.split(' ');
    switch (op) {
      case 'add':
        queue.add(item);
        break;
      case 'done':
        queue.done(item);
        break;
      case 'forget':
        rateLimiting(queue, step).forget(item);
        break;
      case 'after':
        delaying(queue, step).addAfter(item, Number(arg));
        break;
      case 'retry':
        rateLimiting(queue, step).addRateLimited(item, arg === undefined ? {} : { notBeforeMs: Number(arg) });
        break;
      case 'get': {
        const n = ++getters;
        watch(queue.get(), (result) => {
          const r = result as Awaited<ReturnType<WorkQueue<string>['get']>>;
          return `get#${n} ${r.shutdown ? 'shutdown' : r.item}`;
        });
        break;
      }
      case 'len':
        trace.push(`len ${queue.len()}`);
        break;
      case 'pending':
        trace.push(`pending ${item} ${queue.isPending(item)}`);
        break;
      case 'requeues':
        trace.push(`requeues ${item} ${rateLimiting(queue, step).numRequeues(item)}`);
        break;
      case 'tick':
        need(clock, step).advance(Number(item));
        break;
      case 'timers': {
        const c = need(clock, step);
        const next = c.nextTimerAt();
        trace.push(
          next === undefined ? `timers ${c.pendingTimers()}` : `timers ${c.pendingTimers()} next ${next}`,
        );
        break;
      }
      case 'shutdown':
        queue.shutDown();
        break;
      case 'drain':
        watch(queue.shutDownWithDrain(), () => 'drained');
        break;
      case 'idle':
        watch(queue.onIdle(), () => 'idle');
        break;
      default:
        throw new Error(`unknown step: ${step}`);
    }
    await flushMicrotasks();
    for (const entry of watched) {
      if (entry.reported || entry.settled === undefined) continue;
      entry.reported = true;
      trace.push(entry.label((entry.settled as { value: unknown }).value));
    }
  }
  return trace;
}

/** Lets promise callbacks run; the queue settles its promises synchronously, so a few turns suffice. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function need<V>(value: V | undefined, step: string): V {
  if (value === undefined)
    throw new Error(`step "${step}" needs a queue layer or clock this test did not give`);
  return value;
}

function delaying(queue: WorkQueue<string>, step: string): DelayingQueue<string> {
  if (!('addAfter' in queue)) throw new Error(`step "${step}" needs a DelayingQueue`);
  return queue as DelayingQueue<string>;
}

function rateLimiting(queue: WorkQueue<string>, step: string): RateLimitingQueue<string> {
  if (!('addRateLimited' in queue)) throw new Error(`step "${step}" needs a RateLimitingQueue`);
  return queue as RateLimitingQueue<string>;
}
