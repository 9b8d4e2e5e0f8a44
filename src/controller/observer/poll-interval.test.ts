import type { PipelineRunNodeSpec, PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { nextPollDelay, pollIntervalMs } from './poll-interval.ts';

const spec: PipelineRunNodeSpec = { pipelineRunId: 'flow-a', nodeId: 'node-a' };
const running: PipelineRunNodeStatus = { phase: 'Running' };
const middle = (): number => 0.5;

describe('nextPollDelay', () => {
  const rows: {
    name: string;
    input: { status?: PipelineRunNodeStatus; spec?: Partial<PipelineRunNodeSpec>; random?: () => number };
    want: number | undefined;
  }[] = [
    { name: 'Succeeded: never again', input: { status: { phase: 'Succeeded' } }, want: undefined },
    { name: 'Succeed: never again', input: { status: { phase: 'Succeed' } }, want: undefined },
    { name: 'Failed: never again', input: { status: { phase: 'Failed' } }, want: undefined },
    { name: 'Terminated: never again', input: { status: { phase: 'Terminated' } }, want: undefined },
    { name: 'Skipped: never again', input: { status: { phase: 'Skipped' } }, want: undefined },
    {
      name: 'spec.suspend: not planned',
      input: { status: running, spec: { suspend: true } },
      want: undefined,
    },
    { name: 'suspend false: planned', input: { status: running, spec: { suspend: false } }, want: 30_000 },
    { name: 'no status yet: the default', input: {}, want: 30_000 },
    { name: 'Suspended in PAI: still polled', input: { status: { phase: 'Suspended' } }, want: 30_000 },
    { name: 'unrecognised status: still polled', input: { status: { phase: 'Weird' } }, want: 30_000 },
    { name: 'spec.pollInterval', input: { status: running, spec: { pollInterval: '2m' } }, want: 120_000 },
    {
      name: 'compound interval',
      input: { status: running, spec: { pollInterval: '1h30m' } },
      want: 5_400_000,
    },
    {
      name: 'floored at the minimum',
      input: { status: running, spec: { pollInterval: '500ms' } },
      want: 10_000,
    },
    {
      name: 'an invalid interval falls back to the default',
      input: { status: running, spec: { pollInterval: 'soon' } },
      want: 30_000,
    },
    { name: 'jitter low end: -10%', input: { status: running, random: () => 0 }, want: 27_000 },
    {
      name: 'jitter high end: just under +10%',
      input: { status: running, random: () => 0.999999 },
      want: 33_000,
    },
    {
      name: 'jitter never goes under the floor',
      input: { status: running, spec: { pollInterval: '1s' }, random: () => 0 },
      want: 10_000,
    },
  ];
  it.each(rows)('$name', ({ input, want }) => {
    expect(
      nextPollDelay({
        status: input.status,
        spec: { ...spec, ...input.spec },
        defaultIntervalMs: 30_000,
        minIntervalMs: 10_000,
        random: input.random ?? middle,
      }),
    ).toBe(want);
  });

  it('spreads delays within ±10%', () => {
    let seed = 1;
    // A small deterministic generator: the test must not depend on Math.random.
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 1000 }, () =>
      nextPollDelay({ status: running, spec, defaultIntervalMs: 60_000, minIntervalMs: 1000, random }),
    ) as number[];
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(54_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(66_000);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});

describe('pollIntervalMs', () => {
  const intervals = { defaultIntervalMs: 30_000, minIntervalMs: 10_000 };
  it.each([
    { name: 'the default', pollInterval: undefined, want: 30_000 },
    { name: 'spec.pollInterval', pollInterval: '2m', want: 120_000 },
    { name: 'raised to the floor', pollInterval: '1s', want: 10_000 },
    { name: 'not a duration: the default', pollInterval: 'soon', want: 30_000 },
  ])('$name', ({ pollInterval, want }) => {
    expect(pollIntervalMs({ ...spec, ...(pollInterval !== undefined && { pollInterval }) }, intervals)).toBe(
      want,
    );
  });
});
