import { FakeClock } from './fake-clock.ts';

/** A clock plus a log of `name@time` entries written by the timers it runs. */
function recording(now = 0): {
  clock: FakeClock;
  log: string[];
  at: (name: string, delayMs: number) => void;
} {
  const clock = new FakeClock({ now });
  const log: string[] = [];
  const at = (name: string, delayMs: number): void => {
    clock.setTimer(() => log.push(`${name}@${clock.now()}`), delayMs);
  };
  return { clock, log, at };
}

describe('FakeClock', () => {
  test('starts at the given time, or 0', () => {
    expect(new FakeClock().now()).toBe(0);
    expect(new FakeClock({ now: 1_700_000_000_000 }).now()).toBe(1_700_000_000_000);
  });

  test('advance runs due timers in time order, reading each due time, and stops at the target', () => {
    const { clock, log, at } = recording(1000);
    at('c', 300);
    at('a', 100);
    at('b', 200);
    at('d', 301);
    clock.advance(300);
    expect(log).toEqual(['a@1100', 'b@1200', 'c@1300']);
    expect(clock.now()).toBe(1300);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(1301);
  });

  test('timers due at the same time run in the order they were set', () => {
    const { clock, log, at } = recording();
    for (const name of ['x', 'y', 'z']) at(name, 50);
    clock.advance(50);
    expect(log).toEqual(['x@50', 'y@50', 'z@50']);
  });

  test('timers set by a callback run within the same advance when due by its end', () => {
    const { clock, log, at } = recording();
    clock.setTimer(() => {
      log.push(`outer@${clock.now()}`);
      at('inner-due', 40);
      at('inner-late', 60);
    }, 50);
    clock.advance(100);
    expect(log).toEqual(['outer@50', 'inner-due@90']);
    expect(clock.nextTimerAt()).toBe(110);
  });

  test.each([
    { name: 'zero', delayMs: 0 },
    { name: 'negative', delayMs: -5 },
  ])('a $name delay never runs inside setTimer, but on the next runDue or advance(0)', ({ delayMs }) => {
    const { clock, log, at } = recording(10);
    at('soon', delayMs);
    expect(log).toEqual([]);
    expect(clock.nextTimerAt()).toBe(10);
    clock.runDue();
    expect(log).toEqual(['soon@10']);
    at('again', delayMs);
    clock.advance(0);
    expect(log).toEqual(['soon@10', 'again@10']);
  });

  test('a cancelled timer never runs; cancelling twice or after it ran is harmless', () => {
    const { clock, log } = recording();
    const cancelled = clock.setTimer(() => log.push('cancelled'), 10);
    const ran = clock.setTimer(() => log.push('ran'), 10);
    cancelled.cancel();
    cancelled.cancel();
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(10);
    ran.cancel();
    expect(log).toEqual(['ran']);
    expect(clock.pendingTimers()).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  test('setTime jumps forward running due timers, and backwards without running any', () => {
    const { clock, log, at } = recording(100);
    at('a', 50);
    at('b', 500);
    clock.setTime(200);
    expect(log).toEqual(['a@150']);
    expect(clock.now()).toBe(200);
    clock.setTime(0);
    expect(clock.now()).toBe(0);
    expect(log).toEqual(['a@150']);
    clock.setTime(600);
    expect(log).toEqual(['a@150', 'b@600']);
  });

  test.each([
    { name: 'negative advance', act: (c: FakeClock) => c.advance(-1), want: 'got -1' },
    { name: 'NaN advance', act: (c: FakeClock) => c.advance(NaN), want: 'got NaN' },
    { name: 'infinite time', act: (c: FakeClock) => c.setTime(Infinity), want: 'got Infinity' },
    { name: 'NaN delay', act: (c: FakeClock) => c.setTimer(() => undefined, NaN), want: 'got NaN' },
  ])('rejects $name', ({ act, want }) => {
    expect(() => act(new FakeClock())).toThrow(want);
  });
});
