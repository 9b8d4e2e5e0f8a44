/**
 * The longest delay a Node.js timer holds: a signed 32-bit count of milliseconds (about 24.8 days).
 * Node fires a longer timer after 1 ms instead, with a TimeoutOverflowWarning: a timer armed again
 * and again with such a delay is a hot loop. Every timer we set goes through {@link timerDelay}.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The longest wait a server can impose on us (PAIFlow's `x-acs-retry-after` and `Retry-After`, the
 * Kubernetes API's `Retry-After`, and the pause of a throttled credentials identity): one minute.
 * A server asking for longer gets asked again after a minute, and backs us off again if it must;
 * a longer wait would let one answer (hostile, or a proxy's mistake) silence a resource for good.
 */
export const MAX_SERVER_DELAY_MS = 60_000;

/** `ms` as a timer can hold it: within [0, MAX_TIMER_MS]; NaN counts as 0. */
export function timerDelay(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(MAX_TIMER_MS, Math.max(0, ms));
}

/** A server-given delay within [0, MAX_SERVER_DELAY_MS]; NaN counts as 0. */
export function serverDelay(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(MAX_SERVER_DELAY_MS, Math.max(0, ms));
}
