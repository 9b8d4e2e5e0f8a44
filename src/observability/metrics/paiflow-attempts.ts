import type { AttemptEvent } from '../../paiflow/index.ts';
import type { MetricHandles } from './metrics.ts';

/**
 * Counts one PAIFlow HTTP attempt (the client's `onAttempt`): `paiflow_api_requests_total` by
 * operation and HTTP status (`none` when no response came), its latency, and
 * `paiflow_api_throttled_total` for answers the client classified as throttling (a `Throttling.*`
 * code or HTTP 429).
 */
export function paiflowAttemptRecorder(
  handles: Pick<MetricHandles, 'apiRequests' | 'apiRequestDuration' | 'apiThrottled'>,
): (event: AttemptEvent) => void {
  return (event) => {
    const { operation } = event;
    const code = event.httpStatus === undefined ? 'none' : String(event.httpStatus);
    handles.apiRequests.inc({ operation, code });
    handles.apiRequestDuration.observe({ operation }, Math.max(0, event.durationMs) / 1000);
    if (event.outcome === 'throttled') handles.apiThrottled.inc({ operation });
  };
}
