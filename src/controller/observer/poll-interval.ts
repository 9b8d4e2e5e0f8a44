import type { PipelineRunNodeSpec, PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { parseDurationMs } from '../../util/duration.ts';
import { isTerminal } from '../status/pai-status.ts';

/**
 * The interval rules, in one place: how often a resource is polled (default, floor, jitter), when it is
 * not polled at all (finished, suspended), how long a permanent failure waits (stalled retry), and how
 * often a resource gets a full detail call even when its batched entries are unchanged (full refresh).
 * The observer schedules with them; the stale-resource metric reads them.
 */

/** Each jittered wait is the interval times a factor drawn uniformly from [1 - JITTER, 1 + JITTER). */
export const POLL_JITTER = 0.1;

/**
 * A resource gets a detail call every this many intervals on average even when unchanged
 * (`--full-refresh-intervals`): what finds children added to a run later. Its cost is about
 * N / this many detail calls per interval, beside the batches' N × nodes per resource / batch size;
 * 100 keeps both, with the detail calls changes cause, under N / 20 calls per interval at a few
 * batched nodes per resource (docs/benchmarks.md).
 */
export const DEFAULT_FULL_REFRESH_INTERVALS = 100;

/**
 * At most this many intervals between full refreshes of a `type: Physical` resource: its children
 * (the physical nodes) are not in the batch, so a detail call is the only way to see them change.
 */
export const PHYSICAL_FULL_REFRESH_INTERVALS = 10;

/** The controller's interval settings (`run` flags). */
export interface PollIntervals {
  /** Used when `spec.pollInterval` is absent (or, despite the CRD, not a duration). */
  defaultIntervalMs: number;
  /** No poll is planned sooner than this, whatever the spec says and however the jitter falls. */
  minIntervalMs: number;
}

/** `spec.pollInterval` (or the default), raised to the floor: the interval a resource is polled at. */
export function pollIntervalMs(spec: PipelineRunNodeSpec, intervals: PollIntervals): number {
  const requested = spec.pollInterval === undefined ? undefined : parseDurationMs(spec.pollInterval);
  return Math.max(intervals.minIntervalMs, requested ?? intervals.defaultIntervalMs);
}

/** `ms` times a factor in [1 - POLL_JITTER, 1 + POLL_JITTER), never below `floorMs`. */
export function jittered(ms: number, floorMs: number, random: () => number): number {
  const factor = 1 - POLL_JITTER + 2 * POLL_JITTER * random();
  return Math.max(floorMs, Math.round(ms * factor));
}

/**
 * Milliseconds from a detail call to a resource's next full refresh: the period (`intervalMs` times
 * `fullRefreshIntervals`) times a factor drawn uniformly from [0.5, 1.5). So wide a spread, rather
 * than the poll jitter, because resources are mostly first polled together (start-up, restart):
 * drawn narrowly, their refreshes would come in bursts of N detail calls every period.
 *
 * After a resource's `first` detail call the delay is drawn instead from where a resource refreshed
 * that way for ever would stand at a random moment (the renewal process's stationary residual: uniform
 * over [0, P/2) with probability 1/2, else falling linearly over [P/2, 3P/2)), so resources first
 * polled together refresh at the long-run rate, about N/K detail calls per interval, from the start.
 * Either way a child added to a run later is seen within 1.5 periods (about half a period on average).
 */
export function fullRefreshDelayMs(
  intervalMs: number,
  fullRefreshIntervals: number,
  random: () => number,
  first = false,
): number {
  const period = intervalMs * fullRefreshIntervals;
  if (!first) return Math.round(period * (0.5 + random()));
  const u = random();
  // u < 1/2: uniform on [0, P/2); else the density (3P/2 - x) / P² on [P/2, 3P/2), by inversion.
  return Math.round(u < 0.5 ? period * u : period * (1.5 - Math.sqrt(2 * u - 1)));
}

/** Whether a resource is polled at all: not while `spec.suspend`, never again once its node finished. */
export function isPolled(spec: PipelineRunNodeSpec, status: PipelineRunNodeStatus | undefined): boolean {
  if (spec.suspend === true) return false;
  return status?.phase === undefined || !isTerminal(status.phase);
}
