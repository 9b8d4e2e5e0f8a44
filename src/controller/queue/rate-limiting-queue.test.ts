import { FakeClock } from '../../clock/fake-clock.ts';
import { ItemExponentialFailureRateLimiter } from './rate-limiters.ts';
import { createRateLimitingQueue } from './rate-limiting-queue.ts';
import { runScript } from './script.test-helper.ts';

/** Runs `steps` on a new queue backing off 1 s doubling to 4 s, whose FakeClock starts at 1000. */
async function run(steps: string[]): Promise<string[]> {
  const clock = new FakeClock({ now: 1000 });
  const rateLimiter = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 1000, maxDelayMs: 4000 });
  return runScript(createRateLimitingQueue<string>({ clock, rateLimiter }), steps, clock);
}

/** One failed attempt: retry, wait until the item comes back, take it and finish it. */
function failedAttempt(waitMs: number): string[] {
  return ['retry a', 'timers', `tick ${waitMs}`, 'get', 'done a'];
}

describe('RateLimitingQueue', () => {
  test.each([
    {
      name: 'addRateLimited backs off doubling per item, up to the cap',
      steps: [
        ...failedAttempt(1000),
        ...failedAttempt(2000),
        ...failedAttempt(4000),
        ...failedAttempt(4000),
        'requeues a',
      ],
      want: [
        'timers 1 next 2000',
        'get#1 a',
        'timers 1 next 4000',
        'get#2 a',
        'timers 1 next 8000',
        'get#3 a',
        'timers 1 next 12000',
        'get#4 a',
        'requeues a 4',
      ],
    },
    {
      name: 'forget resets the backoff, but leaves the item where it is',
      steps: [
        ...failedAttempt(1000),
        ...failedAttempt(2000),
        'retry a',
        'forget a',
        'requeues a',
        'timers',
        'tick 4000',
        'get',
        'done a',
        'retry a',
        'timers',
      ],
      want: [
        'timers 1 next 2000',
        'get#1 a',
        'timers 1 next 4000',
        'get#2 a',
        'requeues a 0',
        'timers 1 next 8000',
        'get#3 a',
        'timers 1 next 9000',
      ],
    },
    {
      name: 'backoff is per item',
      steps: ['retry a', 'retry a', 'retry b', 'requeues a', 'requeues b', 'timers'],
      want: ['requeues a 2', 'requeues b 1', 'timers 1 next 2000'],
    },
    {
      name: 'notBeforeMs wins when longer than the backoff',
      steps: ['retry a 5000', 'timers', 'tick 4999', 'len', 'tick 1', 'len', 'requeues a'],
      want: ['timers 1 next 6000', 'len 0', 'len 1', 'requeues a 1'],
    },
    {
      name: 'the backoff wins when longer than notBeforeMs',
      steps: [...failedAttempt(1000), 'retry a 500', 'timers'],
      want: ['timers 1 next 2000', 'get#1 a', 'timers 1 next 4000'],
    },
    {
      name: 'a rate-limited add keeps an earlier planned time',
      steps: ['after a 300', 'retry a', 'timers'],
      want: ['timers 1 next 1300'],
    },
    {
      name: 'a planned requeue (addAfter) does not count as a failure',
      steps: ['after a 100', 'requeues a', 'tick 100', 'get', 'done a', 'retry a', 'timers'],
      want: ['requeues a 0', 'get#1 a', 'timers 1 next 2100'],
    },
    {
      name: 'a rate-limited add of a processing item comes back after done only once due',
      steps: ['add a', 'get', 'retry a', 'done a', 'len', 'tick 1000', 'get'],
      want: ['get#1 a', 'len 0', 'get#2 a'],
    },
    {
      name: 'shutDown drops rate-limited items and their timer',
      steps: ['retry a', 'shutdown', 'timers', 'tick 1000', 'get'],
      want: ['timers 0', 'get#1 shutdown'],
    },
  ])('$name', async ({ steps, want }) => {
    expect(await run(steps)).toEqual(want);
  });

  test('defaults to a 1 s backoff doubling to 5 min, and a name of workqueue', async () => {
    const clock = new FakeClock();
    const queue = createRateLimitingQueue<string>({ clock });
    expect(queue.name).toBe('workqueue');
    const waits: number[] = [];
    for (let i = 0; i < 11; i++) {
      queue.addRateLimited('a');
      const at = clock.nextTimerAt() ?? NaN;
      waits.push(at - clock.now());
      clock.setTime(at);
      expect(await queue.get()).toEqual({ item: 'a', shutdown: false });
      queue.done('a');
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000]);
  });

  test('passes the name through every layer', () => {
    expect(createRateLimitingQueue<string>({ clock: new FakeClock(), name: 'pipelinerunnode' }).name).toBe(
      'pipelinerunnode',
    );
  });
});
