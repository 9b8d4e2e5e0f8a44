/** The durations of a Lease holder (leader elector, shard ring member); client-go's defaults. */
export interface LeaseTimings {
  /** How long a Lease holds after its last observed change. @default 15000 */
  leaseDurationMs?: number;
  /** How long the holder keeps working without a successful renewal. @default 10000 */
  renewDeadlineMs?: number;
  /** How often to try to acquire and to renew. @default 2000 */
  retryPeriodMs?: number;
}

/**
 * `timings` with the defaults filled in; throws a RangeError unless leaseDuration > renewDeadline >
 * retryPeriod > 0, as client-go does (a holder could otherwise work on after the others took over).
 */
export function leaseTimings(timings: LeaseTimings): Required<LeaseTimings> {
  const resolved = {
    leaseDurationMs: timings.leaseDurationMs ?? 15_000,
    renewDeadlineMs: timings.renewDeadlineMs ?? 10_000,
    retryPeriodMs: timings.retryPeriodMs ?? 2_000,
  };
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = resolved;
  if (!(retryPeriodMs > 0 && renewDeadlineMs > retryPeriodMs && leaseDurationMs > renewDeadlineMs)) {
    throw new RangeError(
      `expected leaseDuration > renewDeadline > retryPeriod > 0, got ${leaseDurationMs} ms, ${renewDeadlineMs} ms, ${retryPeriodMs} ms`,
    );
  }
  return resolved;
}
