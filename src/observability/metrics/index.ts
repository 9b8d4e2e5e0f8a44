/**
 * The controller's Prometheus metrics (docs/metrics.md): `createMetrics` declares them on an injected
 * registry and returns the adapters that feed them; `MeteredKubeConfig` counts Kubernetes API
 * requests; `stateSeries` is the pure computation behind the scrape-time gauges.
 */
export type { CompletionRecorder } from './completion-recorder.ts';
export { MeteredKubeConfig, type KubeRequest, type MeteredKubeConfigOptions } from './kube-requests.ts';
export { createMetrics, type MetricHandles, type Metrics, type MetricsOptions } from './metrics.ts';
export type { PollRecorder } from './poll-recorder.ts';
export { isStale, stateSeries, type Sample, type StateSeriesOptions } from './state-series.ts';
