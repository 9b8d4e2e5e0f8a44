/**
 * Polls `check` (sync or async) until it returns something truthy; fails with `what` after
 * `timeoutMs`. Async checks (a read from a real API server) are polled less often than in-process ones.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = check();
    const value = pending instanceof Promise ? await pending : pending;
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pending instanceof Promise ? 50 : 20));
  }
}
