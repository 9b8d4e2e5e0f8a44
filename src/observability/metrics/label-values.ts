import { KNOWN_PAI_STATUSES } from '../../controller/status/pai-status.ts';
/**
 * The label values and buckets of the metric catalogue (docs/metrics.md) that can be enumerated in
 * advance. Series for these are created at zero before anything happens, so that `rate()` and
 * `increase()` see the first event and dashboards show a 0 rather than "no data".
 */

/** controller-runtime's `result` label. `requeue` (an immediate requeue) is never produced here. */
export const RECONCILE_RESULTS = ['success', 'error', 'requeue', 'requeue_after'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

/** The PAIFlow operations the client can call. */
export const PAIFLOW_OPERATIONS = [
  'ListPipelineRunNodeStatus',
  'GetPipelineRun',
  'ListPipelineRunsStatus',
] as const;

/**
 * `code` values of `paiflow_api_requests_total` created at zero per operation: success, the HTTP
 * statuses the PAIFlow reference documents for errors (throttling answers 400 or 429), and `none`
 * (no response: timeout, network error). Other statuses appear when first seen.
 */
export const PAIFLOW_CODES = ['200', '400', '401', '403', '404', '429', '500', '503', 'none'] as const;

/** `status` of a finished node: the terminal PAI statuses, canonically spelt (`Succeed` counts as Succeeded). */
export const COMPLETION_STATUSES = ['Succeeded', 'Failed', 'Terminated', 'Skipped'] as const;
export type CompletionStatus = (typeof COMPLETION_STATUSES)[number];

/**
 * The PAI statuses the controller knows, canonically spelt (src/controller/status/pai-status.ts),
 * then `Pending` (no status observed yet) and `Other` (a status nobody has documented): the `phase`
 * label of `paiflow_resources` and of the per-object phase series.
 */
export const PHASES: readonly string[] = [...KNOWN_PAI_STATUSES, 'Pending', 'Other'];

/** Synced=False reasons a poll can end with; each namespace gets these at zero. Others appear when first seen. */
export const POLL_ERROR_REASONS = [
  'Throttled',
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'InvalidParameter',
  'ServerError',
  'Timeout',
  'NetworkError',
  'BadResponse',
  'CredentialsNotFound',
  'CredentialsRequired',
  'InvalidSecret',
  'EndpointNotAllowed',
  'InvalidSpec',
] as const;

/** Stalled=True reasons reported at zero per namespace: the failed node states and the permanent poll failures. */
export const STALLED_REASONS = [
  'Failed',
  'Terminated',
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'InvalidSpec',
  'CredentialsNotFound',
  'CredentialsRequired',
  'InvalidSecret',
  'EndpointNotAllowed',
] as const;

/** The `status` label of the per-object condition series. */
export const CONDITION_STATUSES = ['true', 'false', 'unknown'] as const;

/** controller-runtime's reconcile_time_seconds buckets (v0.15 and later). */
export const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5,
  1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go's workqueue buckets: `ExponentialBuckets(10e-9, 10, 12)`, 10 ns to 1000 s. */
export const WORKQUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => Number(`1e${i - 8}`));

/** PAIFlow request latency, 10 ms to 30 s. */
export const PAIFLOW_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Node run times, 1 s to a day (Tekton's run duration buckets plus 1 s). */
export const NODE_DURATION_BUCKETS = [1, 10, 30, 60, 300, 900, 1800, 3600, 5400, 10800, 21600, 43200, 86400];

/** Nodes per ListPipelineRunsStatus call: up to the default batch size of 100 and a little beyond. */
export const BATCH_NODES_BUCKETS = [1, 2, 5, 10, 20, 50, 75, 100, 150, 200];

/** Seconds between good observations of a resource: poll intervals from 10 s, and outages to hours. */
export const OBSERVATION_AGE_BUCKETS = [1, 5, 10, 15, 30, 45, 60, 90, 120, 300, 600, 1800, 3600, 10800];
