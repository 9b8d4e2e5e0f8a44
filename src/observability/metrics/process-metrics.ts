import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * Gauges of prom-client's defaults that `promtool check metrics` rejects (a non-counter named
 * `_total`). Each is the sum over `type` of the gauge of the same name without `_total`
 * (`nodejs_active_handles{type}`, ...), which stays, so dropping them loses nothing.
 */
const REJECTED_BY_PROMTOOL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Registers prom-client's default process and Node.js metrics on `registry`, minus REJECTED_BY_PROMTOOL. */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of REJECTED_BY_PROMTOOL) registry.removeSingleMetric(name);
}
