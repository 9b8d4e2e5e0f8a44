/**
 * The controller's Prometheus metrics (docs/metrics.md): `createMetrics` declares them on an injected
 * registry and returns the adapters that feed them; `countKubeRequests` counts Kubernetes API
 * requests (an interceptor for PooledKubeConfig); `stateSeries` is the pure computation behind the scrape-time gauges.
 */
export type { CompletionRecorder } from './completion-recorder.ts';
export { countKubeRequests, type KubeRequest } from './kube-requests.ts';
export { createMetrics, type MetricHandles, type Metrics, type MetricsOptions } from './metrics.ts';
export type { PollRecorder } from './poll-recorder.ts';
export { isStale, stateSeries, type Sample, type StateSeriesOptions } from './state-series.ts';
