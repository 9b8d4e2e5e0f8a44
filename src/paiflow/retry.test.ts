import { PaiflowError, type PaiflowErrorKind } from './errors.ts';
import { DEFAULT_RETRY_OPTIONS, resolveRetryOptions, withRetry } from './retry.ts';

const fast = resolveRetryOptions({ retries: 4, minDelayMs: 2, maxDelayMs: 5, totalBudgetMs: 2000 });

function failure(kind: PaiflowErrorKind, retryAfterMs?: number): PaiflowError {
  const reason = kind === 'throttled' ? 'Throttled' : kind === 'transient' ? 'ServerError' : 'Forbidden';
  return new PaiflowError({
    message: kind,
    code: kind,
    operation: 'GetPipelineRun',
    kind,
    reason,
    retryAfterMs,
  });
}

/** An attempt function that fails with the given errors in turn, then succeeds; records attempt times. */
function scripted(...failures: PaiflowError[]): { attempt: (n: number) => Promise<string>; times: number[] } {
  const times: number[] = [];
  return {
    times,
    attempt: (n) => {
      times.push(performance.now());
      const err = failures[n - 1];
      return err === undefined ? Promise.resolve(`ok after ${n}`) : Promise.reject(err);
    },
  };
}

describe('withRetry', () => {
  test('retries throttled and transient failures, then succeeds', async () => {
    const { attempt, times } = scripted(failure('throttled'), failure('transient'));
    await expect(withRetry('GetPipelineRun', attempt, fast)).resolves.toBe('ok after 3');
    expect(times).toHaveLength(3);
  });

  test('a permanent failure is thrown at once, the same object', async () => {
    const permanent = failure('permanent');
    const { attempt, times } = scripted(permanent);
    await expect(withRetry('GetPipelineRun', attempt, fast)).rejects.toBe(permanent);
    expect(times).toHaveLength(1);
  });

  test('errors that are not PaiflowErrors are not retried', async () => {
    let calls = 0;
    const bug = new RangeError('bug');
    await expect(
      withRetry(
        'GetPipelineRun',
        () => {
          calls++;
          return Promise.reject(bug);
        },
        fast,
      ),
    ).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  test('gives up after the configured retries with the last error', async () => {
    const last = failure('transient');
    const { attempt, times } = scripted(
      failure('transient'),
      failure('transient'),
      last,
      failure('transient'),
    );
    await expect(withRetry('GetPipelineRun', attempt, { ...fast, retries: 2 })).rejects.toBe(last);
    expect(times).toHaveLength(3);
  });

  test('backoff grows and stays within the maximum', async () => {
    const options = resolveRetryOptions({ retries: 3, minDelayMs: 10, maxDelayMs: 25, totalBudgetMs: 2000 });
    const { attempt, times } = scripted(failure('transient'), failure('transient'), failure('transient'));
    await withRetry('GetPipelineRun', attempt, options);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    // Jitter scales each delay by 1..2: 10..20, then 20..25 (capped), then 25.
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[1]).toBeGreaterThanOrEqual(19);
    expect(gaps[2]).toBeGreaterThanOrEqual(24);
    expect(Math.max(...gaps)).toBeLessThan(200);
  });

  test('retry-after is a floor for the next wait', async () => {
    const { attempt, times } = scripted(failure('throttled', 120));
    await withRetry('GetPipelineRun', attempt, fast);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(119);
  });

  test('retry-after beyond the remaining budget: give up at once with the throttled error', async () => {
    const throttled = failure('throttled', 60_000);
    const { attempt, times } = scripted(throttled);
    const started = performance.now();
    await expect(withRetry('GetPipelineRun', attempt, fast)).rejects.toBe(throttled);
    expect(times).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(500);
  });

  test('an abort during a wait rejects at once with Cancelled and starts no further attempt', async () => {
    const controller = new AbortController();
    const { attempt: scriptedAttempt, times } = scripted(failure('throttled', 1500), failure('throttled'));
    const attempt = (n: number): Promise<string> => {
      // Abort once the failure has been handled and the wait begun.
      setImmediate(() => {
        controller.abort();
      });
      return scriptedAttempt(n);
    };
    const started = performance.now();
    const call = withRetry('GetPipelineRun', attempt, fast, controller.signal);
    await expect(call).rejects.toMatchObject({
      reason: 'Cancelled',
      code: 'Cancelled',
      operation: 'GetPipelineRun',
    });
    expect(performance.now() - started).toBeLessThan(500);
    expect(times).toHaveLength(1);
  });

  test('an already aborted signal: no attempt at all', async () => {
    const { attempt, times } = scripted();
    await expect(withRetry('GetPipelineRun', attempt, fast, AbortSignal.abort())).rejects.toMatchObject({
      reason: 'Cancelled',
    });
    expect(times).toHaveLength(0);
  });
});

describe('resolveRetryOptions', () => {
  test('defaults', () => {
    expect(resolveRetryOptions()).toEqual({
      retries: 4,
      minDelayMs: 500,
      maxDelayMs: 20_000,
      totalBudgetMs: 60_000,
    });
    expect(resolveRetryOptions({ retries: undefined })).toEqual(DEFAULT_RETRY_OPTIONS);
  });

  test.each([
    {
      name: 'negative retries',
      options: { retries: -1 },
      want: 'expected retry.retries to be a non-negative integer, got -1',
    },
    {
      name: 'fractional retries',
      options: { retries: 1.5 },
      want: 'expected retry.retries to be a non-negative integer, got 1.5',
    },
    {
      name: 'zero delay',
      options: { minDelayMs: 0 },
      want: 'expected retry.minDelayMs to be a positive number of milliseconds, got 0',
    },
    {
      name: 'NaN budget',
      options: { totalBudgetMs: Number.NaN },
      want: 'expected retry.totalBudgetMs to be a positive number of milliseconds, got NaN',
    },
    {
      name: 'max below min',
      options: { minDelayMs: 10, maxDelayMs: 5 },
      want: 'expected retry.maxDelayMs >= retry.minDelayMs (10), got 5',
    },
  ])('$name', ({ options, want }) => {
    expect(() => resolveRetryOptions(options)).toThrow(want);
  });
});
