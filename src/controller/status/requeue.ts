import type { PipelineRunNodeSpec, PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { parseDurationMs } from '../../util/duration.ts';
import { isTerminal } from './pai-status.ts';

/** Each wait is the interval times a factor drawn uniformly from [1 - JITTER, 1 + JITTER). */
export const POLL_JITTER = 0.1;

export interface NextPollDelayInput {
  /** The status just computed (the one written, or found equal to the stored one). */
  status: PipelineRunNodeStatus | undefined;
  spec: PipelineRunNodeSpec;
  /** Used when `spec.pollInterval` is absent (or, despite the CRD, not a duration). */
  defaultIntervalMs: number;
  /** No poll is planned sooner than this, whatever the spec says and however the jitter falls. */
  minIntervalMs: number;
  /** A number in [0, 1), like Math.random; injected so tests choose it. */
  random: () => number;
}

/**
 * When to poll again: undefined for a finished node (never polled again unless its spec changes or
 * a reconcile is requested) and for a suspended one; otherwise `spec.pollInterval` (or the default),
 * raised to `minIntervalMs`, then jittered by ±10% (POLL_JITTER) so that resources created together
 * do not poll together for ever, and never below `minIntervalMs`. This is the planned requeue only:
 * a failed poll is retried by the reconciler's error backoff, not here.
 */
export function nextPollDelay(input: NextPollDelayInput): number | undefined {
  const { status, spec, defaultIntervalMs, minIntervalMs, random } = input;
  if (spec.suspend === true) return undefined;
  if (status?.phase !== undefined && isTerminal(status.phase)) return undefined;
  const requested = spec.pollInterval === undefined ? undefined : parseDurationMs(spec.pollInterval);
  const base = Math.max(minIntervalMs, requested ?? defaultIntervalMs);
  const factor = 1 - POLL_JITTER + 2 * POLL_JITTER * random();
  return Math.max(minIntervalMs, Math.round(base * factor));
}
