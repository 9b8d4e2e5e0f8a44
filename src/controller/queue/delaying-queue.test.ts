import type { Clock } from '../../clock/clock.ts';
import { FakeClock } from '../../clock/fake-clock.ts';
import { createDelayingQueue } from './delaying-queue.ts';
import { runScript } from './script.test-helper.ts';

/** Runs `steps` on a new delaying queue whose FakeClock starts at 1000. */
async function run(steps: string[]): Promise<string[]> {
  const clock = new FakeClock({ now: 1000 });
  return runScript(createDelayingQueue<string>({ clock }), steps, clock);
}

describe('DelayingQueue', () => {
  test.each([
    {
      name: 'starts no timer until an item is delayed',
      steps: ['timers', 'add a', 'timers'],
      want: ['timers 0', 'timers 0'],
    },
    {
      name: 'addAfter queues the item once its delay has passed, not before',
      steps: ['after a 100', 'len', 'pending a', 'timers', 'tick 99', 'len', 'tick 1', 'len', 'timers'],
      want: ['len 0', 'pending a false', 'timers 1 next 1100', 'len 0', 'len 1', 'timers 0'],
    },
    {
      name: 'a delay of 0 or less is add',
      steps: ['after a 0', 'after b -5', 'len', 'timers'],
      want: ['len 2', 'timers 0'],
    },
    {
      name: 'a waiting item is moved earlier, never later',
      steps: [
        'after a 500',
        'after a 100',
        'timers',
        'after a 900',
        'timers',
        'tick 100',
        'len',
        'tick 800',
        'len',
      ],
      want: ['timers 1 next 1100', 'timers 1 next 1100', 'len 1', 'len 1'],
    },
    {
      name: 'addAfter then add makes it immediate and drops the wait, so it runs once',
      steps: ['after a 100', 'add a', 'len', 'timers', 'get', 'done a', 'tick 100', 'len'],
      want: ['len 1', 'timers 0', 'get#1 a', 'len 0'],
    },
    {
      name: 'addAfter of a queued item does nothing: it runs sooner anyway',
      steps: ['add a', 'after a 100', 'timers', 'get', 'done a', 'tick 100', 'len'],
      want: ['timers 0', 'get#1 a', 'len 0'],
    },
    {
      name: 'addAfter of a dirty item does nothing: it runs again after done anyway',
      steps: ['add a', 'get', 'add a', 'after a 100', 'timers', 'done a', 'get', 'done a', 'tick 100', 'len'],
      want: ['get#1 a', 'timers 0', 'get#2 a', 'len 0'],
    },
    {
      name: 'an item coming due while processing is marked dirty, then handed out after done',
      steps: ['add a', 'get', 'after a 100', 'get', 'tick 100', 'pending a', 'done a'],
      want: ['get#1 a', 'pending a true', 'get#2 a'],
    },
    {
      name: 'a waiting getter receives the item when it comes due',
      steps: ['get', 'after a 100', 'tick 100'],
      want: ['get#1 a'],
    },
    {
      name: 'items due together are queued in due-time order, then request order',
      steps: ['after b 100', 'after a 100', 'after c 50', 'tick 100', 'get', 'get', 'get'],
      want: ['get#1 c', 'get#2 b', 'get#3 a'],
    },
    {
      name: 'one timer, always for the earliest waiting item',
      steps: ['after a 300', 'after b 100', 'after c 200', 'timers', 'tick 100', 'timers', 'add c', 'timers'],
      want: ['timers 1 next 1100', 'timers 1 next 1200', 'timers 1 next 1300'],
    },
    {
      name: 'adding the earliest waiting item moves the timer to the next one',
      steps: ['after a 100', 'after b 200', 'add a', 'timers', 'add b', 'timers'],
      want: ['timers 1 next 1200', 'timers 0'],
    },
    {
      name: 'shutDown cancels the timer, drops waiting items and ignores later addAfter',
      steps: ['after a 100', 'shutdown', 'timers', 'after b 100', 'timers', 'tick 100', 'get'],
      want: ['timers 0', 'timers 0', 'get#1 shutdown'],
    },
    {
      name: 'shutDownWithDrain drops waiting items and waits only for the processing ones',
      steps: ['add a', 'get', 'after b 100', 'drain', 'timers', 'done a', 'tick 100', 'get'],
      want: ['get#1 a', 'timers 0', 'drained', 'get#2 shutdown'],
    },
    {
      name: 'onIdle does not wait for waiting items',
      steps: ['after a 100', 'idle', 'tick 100', 'len'],
      want: ['idle', 'len 1'],
    },
  ])('$name', async ({ steps, want }) => {
    expect(await run(steps)).toEqual(want);
  });

  test('many moves earlier and adds leave one timer and the right order', async () => {
    const steps: string[] = [];
    for (let delay = 2000; delay > 100; delay -= 1) steps.push(`after a ${delay}`);
    for (let i = 0; i < 500; i++) steps.push(`after b${i} 5000`, `add b${i}`);
    steps.push('after c 150', 'timers', 'len', 'tick 101', 'get', 'len', 'tick 49', 'get');
    const trace = await run(steps);
    expect(trace).toEqual(['timers 1 next 1101', 'len 500', 'get#1 b0', 'len 500', 'get#2 b1']);
  });

  test('a timer that fires before the item is due (wall clock jumped back) sets another', () => {
    let now = 1000;
    const timers: { callback: () => void; delayMs: number }[] = [];
    const clock: Clock = {
      now: () => now,
      setTimer: (callback, delayMs) => {
        timers.push({ callback, delayMs });
        return { cancel: () => undefined };
      },
    };
    const queue = createDelayingQueue<string>({ clock });
    queue.addAfter('a', 100);
    now = 1099;
    timers[0]?.callback();
    expect(queue.len()).toBe(0);
    expect(timers.map((t) => t.delayMs)).toEqual([100, 1]);
    now = 1100;
    timers[1]?.callback();
    expect(queue.len()).toBe(1);
    expect(timers).toHaveLength(2);
  });

  test.each([NaN, Infinity, -Infinity])('addAfter rejects a delay of %p', (delayMs) => {
    const queue = createDelayingQueue<string>({ clock: new FakeClock(), name: 'prn' });
    expect(() => {
      queue.addAfter('a', delayMs);
    }).toThrow(`work queue prn: expected a finite delay in milliseconds, got ${delayMs}`);
  });
});
