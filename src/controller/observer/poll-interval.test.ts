import type { PipelineRunNodeSpec } from '../../api/v1alpha1.ts';
import { isPolled, jittered, pollIntervalMs } from './poll-interval.ts';

const spec: PipelineRunNodeSpec = { pipelineRunId: 'flow-a', nodeId: 'node-a' };

describe('isPolled', () => {
  it.each([
    { name: 'Succeeded: never again', phase: 'Succeeded', want: false },
    { name: 'Succeed: never again', phase: 'Succeed', want: false },
    { name: 'Failed: never again', phase: 'Failed', want: false },
    { name: 'Terminated: never again', phase: 'Terminated', want: false },
    { name: 'Skipped: never again', phase: 'Skipped', want: false },
    { name: 'no status yet: polled', phase: undefined, want: true },
    { name: 'Suspended in PAI: still polled', phase: 'Suspended', want: true },
    { name: 'unrecognised status: still polled', phase: 'Weird', want: true },
  ])('$name', ({ phase, want }) => {
    expect(isPolled(spec, phase === undefined ? undefined : { phase })).toBe(want);
  });

  it('spec.suspend: not polled; suspend false: polled', () => {
    expect(isPolled({ ...spec, suspend: true }, { phase: 'Running' })).toBe(false);
    expect(isPolled({ ...spec, suspend: false }, { phase: 'Running' })).toBe(true);
  });
});

describe('pollIntervalMs', () => {
  const intervals = { defaultIntervalMs: 30_000, minIntervalMs: 10_000 };
  it.each([
    { name: 'the default', pollInterval: undefined, want: 30_000 },
    { name: 'spec.pollInterval', pollInterval: '2m', want: 120_000 },
    { name: 'compound interval', pollInterval: '1h30m', want: 5_400_000 },
    { name: 'raised to the floor', pollInterval: '1s', want: 10_000 },
    { name: 'sub-second, raised to the floor', pollInterval: '500ms', want: 10_000 },
    { name: 'not a duration: the default', pollInterval: 'soon', want: 30_000 },
  ])('$name', ({ pollInterval, want }) => {
    expect(pollIntervalMs({ ...spec, ...(pollInterval !== undefined && { pollInterval }) }, intervals)).toBe(
      want,
    );
  });
});

describe('jittered', () => {
  it.each([
    { name: 'the middle: the interval itself', random: 0.5, ms: 30_000, want: 30_000 },
    { name: 'low end: -10%', random: 0, ms: 30_000, want: 27_000 },
    { name: 'high end: just under +10%', random: 0.999999, ms: 30_000, want: 33_000 },
    { name: 'never under the floor', random: 0, ms: 10_000, want: 10_000 },
  ])('$name', ({ random, ms, want }) => {
    expect(jittered(ms, 10_000, () => random)).toBe(want);
  });

  it('spreads delays within ±10%', () => {
    let seed = 1;
    // A small deterministic generator: the test must not depend on Math.random.
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 1000 }, () => jittered(60_000, 1000, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(54_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(66_000);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});
