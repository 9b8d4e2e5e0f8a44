import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import type { Clock } from '../../clock/clock.ts';
import type { ControllerObserver } from '../../controller/controller.ts';
import type { ObserverHooks, ObserverStats } from '../../controller/observer/index.ts';
import type { Ownership } from '../../controller/sharding/index.ts';
import type { QueueObserver } from '../../controller/queue/index.ts';
import type { AttemptEvent } from '../../paiflow/index.ts';
import type { RouteHandler } from '../health-server.ts';
import { completionRecorder, type CompletionRecorder } from './completion-recorder.ts';
import type { KubeRequest } from './kube-requests.ts';
import {
  BATCH_NODES_BUCKETS,
  COMPLETION_STATUSES,
  OBSERVATION_AGE_BUCKETS,
  NODE_DURATION_BUCKETS,
  PAIFLOW_CODES,
  PAIFLOW_LATENCY_BUCKETS,
  PAIFLOW_OPERATIONS,
  POLL_ERROR_REASONS,
  RECONCILE_RESULTS,
  RECONCILE_TIME_BUCKETS,
  WORKQUEUE_BUCKETS,
} from './label-values.ts';
import { metricsRoute } from './metrics-route.ts';
import { paiflowAttemptRecorder } from './paiflow-attempts.ts';
import { pollRecorder, type PollRecorder } from './poll-recorder.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { registerShardMetrics, type HandoverRecorder } from './shard-metrics.ts';
import { QueueMetrics } from './queue-metrics.ts';
import { reconcileObserver } from './reconcile-observer.ts';
import {
  AGGREGATE_FAMILIES,
  PER_OBJECT_FAMILIES,
  type AggregateFamilyName,
  type PerObjectFamilyName,
  type StateFamily,
} from './state-series.ts';

export interface MetricsOptions {
  /** The `controller` label, and the workqueue's `name`. @default 'pipelinerunnode' */
  controller?: string;
  /** The running version, the `version` label of `paiflow_controller_info`. */
  version: string;
  /** Configured workers, exported as `controller_runtime_max_concurrent_reconciles`. */
  maxConcurrentReconciles: number;
  /** Times queue waits, work and ages; tests pass a FakeClock. */
  clock: Clock;
  /**
   * The cached PipelineRunNodes, read only at scrape time (so it may close over an informer built
   * after the metrics). The state gauges are computed from it on every scrape.
   */
  resources: () => readonly PipelineRunNode[];
  /** The controller's default poll interval: part of the stale threshold (see staleAfterMs). */
  defaultPollIntervalMs: number;
  /** The controller's poll interval floor: part of the stale threshold. */
  minPollIntervalMs: number;
  /**
   * The observer's figures, read at scrape time (absent, or undefined while this replica does not
   * lead: its gauges have no sample).
   */
  observer?: () => ObserverStats | undefined;
  /** Also export the per-object `paiflow_pipelinerunnode_*` series. @default false */
  perObjectMetrics?: boolean;
  /** Namespaces whose per-namespace counters are created at zero at once; others on first sight. @default [] */
  namespaces?: readonly string[];
  /** With --sharding: the ring's current ownership, for the `paiflow_shard_*` metrics (absent: none). */
  sharding?: () => Ownership;
}

/** Every counter, histogram and event-fed gauge of the catalogue (the state gauges are scrape-time only). */
export interface MetricHandles {
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller'>;
  reconcilePanics: Counter<'controller'>;
  reconcileTime: Histogram<'controller'>;
  activeWorkers: Gauge<'controller'>;
  maxConcurrentReconciles: Gauge<'controller'>;
  workqueueDepth: Gauge<'name' | 'controller'>;
  workqueueAdds: Counter<'name' | 'controller'>;
  workqueueQueueDuration: Histogram<'name' | 'controller'>;
  workqueueWorkDuration: Histogram<'name' | 'controller'>;
  workqueueRetries: Counter<'name' | 'controller'>;
  restClientRequests: Counter<'code' | 'method' | 'host'>;
  nodeCompletions: Counter<'namespace' | 'status'>;
  nodeDuration: Histogram<'namespace' | 'status'>;
  apiRequests: Counter<'operation' | 'code'>;
  apiRequestDuration: Histogram<'operation'>;
  apiThrottled: Counter<'operation'>;
  pollErrors: Counter<'namespace' | 'reason'>;
  pollRetries: Counter<'namespace'>;
  controllerInfo: Gauge<'version'>;
  batchNodes: Histogram;
  observationAge: Histogram;
  batchFallbacks: Counter<'endpoint'>;
  /** Count with `.inc()` when the informer restarts a watch (after an error or silence). */
  watchRestarts: Counter;
  /** Count with `.inc()` when the API refuses a Kubernetes Event. */
  eventsFailed: Counter;
  /** 1 while this replica holds the leader election Lease `name`, else 0 (controller-runtime's name). */
  leaderElectionMasterStatus: Gauge<'name'>;
  /** Creates the namespace's counters and histograms at zero; only the first call per namespace does anything. */
  initNamespace(namespace: string): void;
}

/** The metrics of one controller, and the adapters that feed them: each goes to one component. */
export interface Metrics {
  readonly handles: MetricHandles;
  /** The work queue's `observer`. */
  readonly queue: QueueObserver<string>;
  /** The Controller's `observer`. */
  readonly reconciles: ControllerObserver;
  /** The PaiflowGateway's `onAttempt`. */
  readonly paiflowAttempt: (event: AttemptEvent) => void;
  /** What `countKubeRequests` reports to. */
  readonly kubeRequest: (request: KubeRequest) => void;
  /** The reconciler's report of each poll. */
  readonly polls: PollRecorder;
  /** The reconciler's report of each status written. */
  readonly completions: CompletionRecorder;
  /** The Observer's `hooks`. */
  readonly observer: ObserverHooks;
  /** `/metrics`, for HealthServer's `routes`. */
  readonly route: RouteHandler;
  /** Counts resources handed over between shard ring members (does nothing without `sharding`). */
  readonly handovers: HandoverRecorder;
}

const STATE_HELP: Record<AggregateFamilyName | PerObjectFamilyName, { help: string; labelNames: string[] }> =
  {
    paiflow_resources: {
      help: 'PipelineRunNodes by namespace and current PAI status (Pending: none yet; Other: unrecognised).',
      labelNames: ['namespace', 'phase'],
    },
    paiflow_resources_stalled: {
      help: 'PipelineRunNodes with Stalled=True, by reason.',
      labelNames: ['namespace', 'reason'],
    },
    paiflow_resources_stale: {
      help: 'Unfinished, unsuspended PipelineRunNodes whose last successful poll is older than 3 poll intervals plus 5 minutes.',
      labelNames: ['namespace'],
    },
    paiflow_running_node_max_age_seconds: {
      help: 'Age of the oldest started, unfinished node; absent when none.',
      labelNames: ['namespace'],
    },
    paiflow_pipelinerunnode_status_phase: {
      help: 'The PAI status of a PipelineRunNode: 1 for the current phase, 0 for the others.',
      labelNames: ['namespace', 'pipelinerunnode', 'phase'],
    },
    paiflow_pipelinerunnode_started_timestamp_seconds: {
      help: 'When the node of a PipelineRunNode started (status.startedAt), unix seconds.',
      labelNames: ['namespace', 'pipelinerunnode'],
    },
    paiflow_pipelinerunnode_finished_timestamp_seconds: {
      help: 'When the node of a PipelineRunNode finished (status.finishedAt), unix seconds.',
      labelNames: ['namespace', 'pipelinerunnode'],
    },
    paiflow_pipelinerunnode_condition: {
      help: 'The conditions of a PipelineRunNode: 1 for the current status of each condition, 0 for the others.',
      labelNames: ['namespace', 'pipelinerunnode', 'condition', 'status'],
    },
  };

/**
 * Declares every metric of the catalogue (docs/metrics.md) on `registry`, with prom-client's default
 * process metrics, and builds the adapters that feed them. Series whose labels can be enumerated
 * start at zero. Touches no global registry: the caller owns `registry` and serves it (see `route`).
 * Call once per registry (a second call throws). Starts no timer of its own; prom-client's default
 * metrics enable Node's event-loop delay monitor, which keeps nothing alive.
 */
export function createMetrics(registry: Registry, options: MetricsOptions): Metrics {
  for (const key of ['maxConcurrentReconciles', 'defaultPollIntervalMs', 'minPollIntervalMs'] as const) {
    const value = options[key];
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`expected ${key} to be a non-negative number, got ${value}`);
    }
  }
  const controller = options.controller ?? 'pipelinerunnode';
  const registers = [registry];
  const byController = { controller };
  const byQueue = { name: controller, controller };
  registerProcessMetrics(registry);
  const initialised = new Set<string>();

  // controller-runtime and client-go names, help texts and buckets, so their dashboards work as they are.
  const handles: MetricHandles = {
    reconcileTotal: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    reconcilePanics: new Counter({
      name: 'controller_runtime_reconcile_panics_total',
      help: 'Total number of reconciliation panics (thrown non-Errors) per controller',
      labelNames: ['controller'],
      registers,
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_TIME_BUCKETS,
      registers,
    }),
    activeWorkers: new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    }),
    workqueueDepth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name', 'controller'],
      registers,
    }),
    workqueueAdds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name', 'controller'],
      registers,
    }),
    workqueueQueueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name', 'controller'],
      buckets: WORKQUEUE_BUCKETS,
      registers,
    }),
    workqueueWorkDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: ['name', 'controller'],
      buckets: WORKQUEUE_BUCKETS,
      registers,
    }),
    workqueueRetries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name', 'controller'],
      registers,
    }),
    leaderElectionMasterStatus: new Gauge({
      name: 'leader_election_master_status',
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
      labelNames: ['name'],
      registers,
    }),
    restClientRequests: new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host',
      labelNames: ['code', 'method', 'host'],
      registers,
    }),
    nodeCompletions: new Counter({
      name: 'paiflow_node_completions_total',
      help: 'Nodes seen finishing, by final status; each counted once, even across controller restarts',
      labelNames: ['namespace', 'status'],
      registers,
    }),
    nodeDuration: new Histogram({
      name: 'paiflow_node_duration_seconds',
      help: 'Run time (finishedAt - startedAt) of finished nodes, by final status, observed with the completion',
      labelNames: ['namespace', 'status'],
      buckets: NODE_DURATION_BUCKETS,
      registers,
    }),
    apiRequests: new Counter({
      name: 'paiflow_api_requests_total',
      help: 'PAIFlow HTTP requests by operation and HTTP status (none: no response)',
      labelNames: ['operation', 'code'],
      registers,
    }),
    apiRequestDuration: new Histogram({
      name: 'paiflow_api_request_duration_seconds',
      help: 'PAIFlow HTTP request latency by operation',
      labelNames: ['operation'],
      buckets: PAIFLOW_LATENCY_BUCKETS,
      registers,
    }),
    apiThrottled: new Counter({
      name: 'paiflow_api_throttled_total',
      help: 'PAIFlow answers that throttled the request (Throttling.* codes or HTTP 429), by operation',
      labelNames: ['operation'],
      registers,
    }),
    pollErrors: new Counter({
      name: 'paiflow_poll_errors_total',
      help: 'Failed polls of PAIFlow by the reason of the resulting Synced=False condition',
      labelNames: ['namespace', 'reason'],
      registers,
    }),
    pollRetries: new Counter({
      name: 'paiflow_poll_retries_total',
      help: 'Polls that retried a failed poll of the same resource',
      labelNames: ['namespace'],
      registers,
    }),
    controllerInfo: new Gauge({
      name: 'paiflow_controller_info',
      help: 'The running paiflow-controller; always 1',
      labelNames: ['version'],
      registers,
    }),
    batchNodes: new Histogram({
      name: 'paiflow_batch_nodes',
      help: 'Nodes asked for per ListPipelineRunsStatus call',
      buckets: BATCH_NODES_BUCKETS,
      registers,
    }),
    observationAge: new Histogram({
      name: 'paiflow_observation_age_seconds',
      help: "Seconds between a resource's good observations (batch or detail), observed at each one",
      buckets: OBSERVATION_AGE_BUCKETS,
      registers,
    }),
    batchFallbacks: new Counter({
      name: 'paiflow_batch_fallbacks_total',
      help: 'Times an endpoint refused a batched status call and its batch size was halved (at 0: per-node calls)',
      labelNames: ['endpoint'],
      registers,
    }),
    watchRestarts: new Counter({
      name: 'paiflow_watch_restarts_total',
      help: 'Informer restarts after a watch or list error, or a silent watch',
      registers,
    }),
    eventsFailed: new Counter({
      name: 'paiflow_events_failed_total',
      help: 'Kubernetes Events the API refused',
      registers,
    }),
    initNamespace(namespace) {
      if (initialised.has(namespace)) return;
      initialised.add(namespace);
      for (const status of COMPLETION_STATUSES) {
        handles.nodeCompletions.inc({ namespace, status }, 0);
        handles.nodeDuration.zero({ namespace, status });
      }
      for (const reason of POLL_ERROR_REASONS) handles.pollErrors.inc({ namespace, reason }, 0);
      handles.pollRetries.inc({ namespace }, 0);
    },
  };

  const queue = new QueueMetrics({
    labels: byQueue,
    clock: options.clock,
    adds: handles.workqueueAdds,
    depth: handles.workqueueDepth,
    queueDuration: handles.workqueueQueueDuration,
    workDuration: handles.workqueueWorkDuration,
    retries: handles.workqueueRetries,
  });
  new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help: 'How many seconds of work has been done that is in progress and has not been observed by work_duration. Large values indicate stuck threads.',
    labelNames: ['name', 'controller'],
    registers,
    collect() {
      this.set(byQueue, queue.inFlight().unfinishedSeconds);
    },
  });
  new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'How many seconds has the longest running processor for workqueue been running',
    labelNames: ['name', 'controller'],
    registers,
    collect() {
      this.set(byQueue, queue.inFlight().longestSeconds);
    },
  });

  const families: [AggregateFamilyName | PerObjectFamilyName, StateFamily][] = [
    ...(Object.entries(AGGREGATE_FAMILIES) as [AggregateFamilyName, StateFamily][]),
    ...(options.perObjectMetrics === true
      ? (Object.entries(PER_OBJECT_FAMILIES) as [PerObjectFamilyName, StateFamily][])
      : []),
  ];
  for (const [name, family] of families) {
    new Gauge({
      name,
      ...STATE_HELP[name],
      registers,
      collect() {
        this.reset();
        for (const sample of family(options.resources(), options.clock.now(), options)) {
          this.set(sample.labels, sample.value);
        }
      },
    });
  }

  {
    const observerGauges: [string, string, (s: ObserverStats) => number][] = [
      [
        'paiflow_observation_age_max_seconds',
        'Seconds since the last good observation of the resource waiting longest (polled, not stalled resources)',
        (s) => s.maxAgeSeconds,
      ],
      [
        'paiflow_observation_age_max_intervals',
        "The longest wait since a good observation, in units of that resource's own poll interval",
        (s) => s.maxAgeIntervals,
      ],
      [
        'paiflow_poll_backlog',
        'Resources whose poll is due (or waiting for a PAIFlow call) but not made yet',
        (s) => s.backlog,
      ],
    ];
    for (const [name, help, pick] of observerGauges) {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.reset();
          const stats = options.observer?.();
          if (stats !== undefined) this.set(pick(stats));
        },
      });
    }
  }

  for (const result of RECONCILE_RESULTS) handles.reconcileTotal.inc({ controller, result }, 0);
  handles.reconcileErrors.inc(byController, 0);
  handles.reconcilePanics.inc(byController, 0);
  handles.reconcileTime.zero(byController);
  handles.activeWorkers.set(byController, 0);
  handles.maxConcurrentReconciles.set(byController, options.maxConcurrentReconciles);
  handles.workqueueDepth.set(byQueue, 0);
  handles.workqueueAdds.inc(byQueue, 0);
  handles.workqueueRetries.inc(byQueue, 0);
  handles.workqueueQueueDuration.zero(byQueue);
  handles.workqueueWorkDuration.zero(byQueue);
  for (const operation of PAIFLOW_OPERATIONS) {
    for (const code of PAIFLOW_CODES) handles.apiRequests.inc({ operation, code }, 0);
    handles.apiRequestDuration.zero({ operation });
    handles.apiThrottled.inc({ operation }, 0);
  }
  handles.controllerInfo.set({ version: options.version }, 1);
  for (const namespace of options.namespaces ?? []) handles.initNamespace(namespace);
  const { sharding } = options;
  const handovers =
    sharding === undefined
      ? () => undefined
      : registerShardMetrics(registry, { ownership: sharding, resources: options.resources });

  return {
    handles,
    queue,
    reconciles: reconcileObserver(handles, controller),
    paiflowAttempt: paiflowAttemptRecorder(handles),
    kubeRequest: (request) => {
      handles.restClientRequests.inc({ code: request.code, method: request.method, host: request.host });
    },
    polls: pollRecorder(handles),
    completions: completionRecorder(handles),
    observer: {
      batch: (nodes) => handles.batchNodes.observe(nodes),
      observed: (ageMs) => handles.observationAge.observe(ageMs / 1000),
      fallback: (endpoint) => handles.batchFallbacks.inc({ endpoint }),
    },
    route: metricsRoute(registry),
    handovers,
  };
}
