import { FakeClock } from '../../clock/fake-clock.ts';
import type { QueueObserver } from './queue-observer.ts';
import { ItemExponentialFailureRateLimiter } from './rate-limiters.ts';
import { createRateLimitingQueue } from './rate-limiting-queue.ts';
import { runScript } from './script.test-helper.ts';
import { createWorkQueue } from './work-queue.ts';

/** An observer that writes every callback as `added a`, `depth 1`, ... */
function recorder(): { observer: QueueObserver<string>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    observer: {
      added: (item) => calls.push(`added ${item}`),
      handedOut: (item) => calls.push(`handedOut ${item}`),
      done: (item) => calls.push(`done ${item}`),
      retried: (item) => calls.push(`retried ${item}`),
      depth: (queued) => calls.push(`depth ${queued}`),
    },
  };
}

describe('QueueObserver', () => {
  test.each([
    {
      name: 'an add, its hand-out and its done; a duplicate add is not reported',
      steps: ['add a', 'add a', 'get', 'done a'],
      want: ['added a', 'depth 1', 'depth 0', 'handedOut a', 'done a'],
    },
    {
      name: 'an add during processing is one add; done queues the item without a second add',
      steps: ['add a', 'get', 'add a', 'add a', 'done a', 'get', 'done a'],
      want: [
        'added a',
        'depth 1',
        'depth 0',
        'handedOut a',
        'added a',
        'done a',
        'depth 1',
        'depth 0',
        'handedOut a',
        'done a',
      ],
    },
    {
      name: 'an item given straight to a waiting worker never counts in the depth',
      steps: ['get', 'add a'],
      want: ['added a', 'handedOut a'],
    },
    {
      name: 'shutDown reports the queued items dropped; later adds are not reported',
      steps: ['add a', 'add b', 'shutdown', 'add c'],
      want: ['added a', 'depth 1', 'added b', 'depth 2', 'depth 0'],
    },
    {
      name: 'a shutDown with nothing queued reports no depth',
      steps: ['add a', 'get', 'shutdown', 'done a'],
      want: ['added a', 'depth 1', 'depth 0', 'handedOut a', 'done a'],
    },
  ])('$name', async ({ steps, want }) => {
    const { observer, calls } = recorder();
    await runScript(createWorkQueue<string>({ observer }), steps);
    expect(calls).toEqual(want);
  });

  test.each([
    {
      name: 'a delayed item is added when it falls due, not when it is requested',
      steps: ['after a 100', 'tick 99', 'tick 1'],
      want: ['added a'],
    },
    {
      name: 'addAfter of an item already queued reports nothing more',
      steps: ['add a', 'after a 100', 'tick 100'],
      want: ['added a'],
    },
    {
      name: 'a rate-limited add is a retry, then an add when its backoff has passed',
      steps: ['retry a', 'tick 10', 'get', 'done a'],
      want: ['retried a', 'added a', 'handedOut a', 'done a'],
    },
    {
      name: 'a planned requeue (addAfter) is not a retry',
      steps: ['after a 10', 'tick 10'],
      want: ['added a'],
    },
    {
      name: 'no retry is reported once the queue is shutting down',
      steps: ['shutdown', 'retry a', 'tick 10'],
      want: [],
    },
  ])('rate-limiting queue: $name', async ({ steps, want }) => {
    const { observer, calls } = recorder();
    const clock = new FakeClock();
    const queue = createRateLimitingQueue<string>({
      clock,
      observer,
      rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 10, maxDelayMs: 10 }),
    });
    await runScript(queue, steps, clock);
    expect(calls.filter((call) => !call.startsWith('depth'))).toEqual(want);
  });
});
