import {
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  withJitter,
  type RateLimiter,
} from './rate-limiters.ts';

/** Calls `when(item)` `times` times and returns the delays. */
function delays(limiter: RateLimiter<string>, item: string, times: number): number[] {
  return Array.from({ length: times }, () => limiter.when(item));
}

/** A limiter that always answers `delayMs` and counts its calls. */
function fixed(delayMs: number): RateLimiter<string> & { forgotten: string[] } {
  const counts = new Map<string, number>();
  const forgotten: string[] = [];
  return {
    forgotten,
    when: (item) => {
      counts.set(item, (counts.get(item) ?? 0) + 1);
      return delayMs;
    },
    forget: (item) => {
      forgotten.push(item);
      counts.delete(item);
    },
    numRequeues: (item) => counts.get(item) ?? 0,
  };
}

describe('ItemExponentialFailureRateLimiter', () => {
  test.each([
    {
      name: 'defaults: 1 s doubling, capped at 5 min',
      options: {},
      want: [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000],
    },
    {
      name: 'client-go default: 5 ms to 1000 s',
      options: { baseDelayMs: 5, maxDelayMs: 1_000_000 },
      want: [5, 10, 20, 40],
    },
    {
      name: 'cap below the first doubling',
      options: { baseDelayMs: 100, maxDelayMs: 150 },
      want: [100, 150, 150],
    },
    { name: 'base equal to cap', options: { baseDelayMs: 50, maxDelayMs: 50 }, want: [50, 50] },
  ])('$name', ({ options, want }) => {
    const limiter = new ItemExponentialFailureRateLimiter<string>(options);
    expect(delays(limiter, 'a', want.length)).toEqual(want);
    expect(limiter.numRequeues('a')).toBe(want.length);
  });

  test('counts per item, and forget starts an item over', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 10, maxDelayMs: 1000 });
    expect(delays(limiter, 'a', 3)).toEqual([10, 20, 40]);
    expect(delays(limiter, 'b', 1)).toEqual([10]);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).toBe(0);
    expect(limiter.numRequeues('b')).toBe(1);
    expect(delays(limiter, 'a', 2)).toEqual([10, 20]);
  });

  test('stays at the cap after more failures than 2^n can count', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>();
    delays(limiter, 'a', 2000);
    expect(limiter.when('a')).toBe(300_000);
  });

  test.each([
    { options: { baseDelayMs: 0 }, want: 'expected baseDelayMs to be a positive number, got 0' },
    { options: { baseDelayMs: NaN }, want: 'expected baseDelayMs to be a positive number, got NaN' },
    {
      options: { baseDelayMs: 10, maxDelayMs: 5 },
      want: 'expected maxDelayMs to be a number >= baseDelayMs (10), got 5',
    },
    { options: { maxDelayMs: Infinity }, want: 'got Infinity' },
  ])('rejects $options', ({ options, want }) => {
    expect(() => new ItemExponentialFailureRateLimiter(options)).toThrow(want);
  });
});

describe('MaxOfRateLimiter', () => {
  test('answers the longest delay, counting the failure in every limiter', () => {
    const exponential = new ItemExponentialFailureRateLimiter<string>({
      baseDelayMs: 1000,
      maxDelayMs: 60_000,
    });
    const floor = fixed(3000);
    const limiter = new MaxOfRateLimiter(exponential, floor);
    expect(delays(limiter, 'a', 4)).toEqual([3000, 3000, 4000, 8000]);
    expect(exponential.numRequeues('a')).toBe(4);
    expect(floor.numRequeues('a')).toBe(4);
    expect(limiter.numRequeues('a')).toBe(4);
  });

  test('numRequeues is the largest count; forget forgets in every limiter', () => {
    const first = fixed(1);
    const second = fixed(2);
    const limiter = new MaxOfRateLimiter(first, second);
    first.when('a');
    limiter.when('a');
    expect(limiter.numRequeues('a')).toBe(2);
    limiter.forget('a');
    expect([first.forgotten, second.forgotten]).toEqual([['a'], ['a']]);
    expect(limiter.numRequeues('a')).toBe(0);
  });

  test('needs at least one limiter', () => {
    expect(() => new MaxOfRateLimiter<string>()).toThrow('expected at least one rate limiter, got none');
  });
});

describe('withJitter', () => {
  test.each([
    { name: 'random 0 keeps the delay', fraction: 0.1, random: 0, maxDelayMs: 2000, want: [1000, 2000] },
    {
      name: 'random 0.5 adds half the fraction',
      fraction: 0.1,
      random: 0.5,
      maxDelayMs: 2000,
      want: [1050, 2100],
    },
    { name: 'fraction 0 disables it', fraction: 0, random: 0.9, maxDelayMs: 2000, want: [1000, 2000] },
    {
      name: 'it may exceed the cap by the fraction',
      fraction: 0.5,
      random: 0.5,
      maxDelayMs: 1000,
      want: [1250, 1250],
    },
  ])('$name', ({ fraction, random, maxDelayMs, want }) => {
    const inner = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 1000, maxDelayMs });
    expect(
      delays(
        withJitter(inner, fraction, () => random),
        'a',
        2,
      ),
    ).toEqual(want);
  });

  test('forget and numRequeues reach the wrapped limiter', () => {
    const inner = fixed(10);
    const limiter = withJitter(inner, 0.2, () => 0);
    limiter.when('a');
    expect(limiter.numRequeues('a')).toBe(1);
    limiter.forget('a');
    expect(inner.forgotten).toEqual(['a']);
  });

  test.each([-0.1, NaN, Infinity])('rejects a fraction of %p', (fraction) => {
    expect(() => withJitter(fixed(1), fraction)).toThrow(`expected a jitter fraction >= 0, got ${fraction}`);
  });
});
