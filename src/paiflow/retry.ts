import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { timerDelay } from '../util/delays.ts';
import { cancelledError, isRetryable, PaiflowError } from './errors.ts';

/** Backoff for throttled and transient failures. All durations in milliseconds. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 4 */
  retries?: number;
  /** The first backoff, before jitter. @default 500 */
  minDelayMs?: number;
  /** No single backoff is longer. @default 20000 */
  maxDelayMs?: number;
  /** No retry starts after this long since the first attempt began. @default 60000 */
  totalBudgetMs?: number;
}

export const DEFAULT_RETRY_OPTIONS: Readonly<Required<RetryOptions>> = Object.freeze({
  retries: 4,
  minDelayMs: 500,
  maxDelayMs: 20_000,
  totalBudgetMs: 60_000,
});

/** Fills in defaults; throws "expected ..., got ..." on a value that is not a usable number. */
export function resolveRetryOptions(options: RetryOptions = {}): Required<RetryOptions> {
  const resolved = { ...DEFAULT_RETRY_OPTIONS, ...stripUndefined(options) };
  if (!Number.isInteger(resolved.retries) || resolved.retries < 0) {
    throw new Error(`expected retry.retries to be a non-negative integer, got ${resolved.retries}`);
  }
  for (const key of ['minDelayMs', 'maxDelayMs', 'totalBudgetMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] <= 0) {
      throw new Error(`expected retry.${key} to be a positive number of milliseconds, got ${resolved[key]}`);
    }
  }
  if (resolved.maxDelayMs < resolved.minDelayMs) {
    throw new Error(
      `expected retry.maxDelayMs >= retry.minDelayMs (${resolved.minDelayMs}), got ${resolved.maxDelayMs}`,
    );
  }
  return resolved;
}

function stripUndefined(options: RetryOptions): RetryOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/**
 * Runs `attempt` until it succeeds, retrying only retryable PaiflowErrors (throttled, transient) with
 * exponential backoff and full-range jitter (each delay is min * 2^n scaled by 1..2, capped at
 * maxDelayMs). Anything else is rethrown as it is, at once.
 *
 * A `retryAfterMs` on the error is a floor for the next wait; when it does not fit in what is left
 * of the total budget, retrying stops with that error (the caller may requeue after retryAfterMs).
 * When retries or budget run out, the last error is thrown.
 *
 * An abort of `signal` stops a wait at once and rejects with a PaiflowError of reason `Cancelled`;
 * `attempt` receives the signal to stop its own I/O.
 */
export async function withRetry<T>(
  operation: string,
  attempt: (attemptNumber: number) => Promise<T>,
  options: Required<RetryOptions>,
  signal?: AbortSignal,
): Promise<T> {
  const start = performance.now();
  try {
    return await pRetry(attempt, {
      retries: options.retries,
      factor: 2,
      minTimeout: options.minDelayMs,
      maxTimeout: options.maxDelayMs,
      randomize: true,
      maxRetryTime: options.totalBudgetMs,
      signal,
      shouldRetry: ({ error }) => isRetryable(error),
      // p-retry waits retryDelay after this callback; wait here for whatever retry-after asks beyond it.
      onFailedAttempt: async ({ error, retriesLeft, retryDelay }) => {
        if (!(error instanceof PaiflowError) || !isRetryable(error) || retriesLeft <= 0) return;
        const floor = error.retryAfterMs;
        if (floor === undefined) return;
        const remaining = options.totalBudgetMs - (performance.now() - start);
        if (floor > remaining) throw error;
        if (floor > retryDelay) await sleep(timerDelay(floor - retryDelay), undefined, { signal });
      },
    });
  } catch (err) {
    if (err instanceof PaiflowError && err.reason === 'Cancelled') throw err;
    if (signal?.aborted === true) throw cancelledError(operation, signal.reason);
    throw err;
  }
}
