import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.ts';
import { EventRecorder } from '../kube/event-recorder.ts';
import { PipelineRunNodeApi } from '../kube/pipelinerunnode-api.ts';
import { PooledKubeConfig } from '../kube/pooled-kube-config.ts';
import { SecretReader } from '../kube/secret-reader.ts';
import type { Registry } from 'prom-client';
import { KubeAccessReviews } from '../kube/access-reviews.ts';
import { kubeErrorInfo } from '../kube/api-errors.ts';
import { HealthServer, type RouteHandler } from '../observability/health-server.ts';
import {
  DelegatedAuth,
  protectedRoute,
  servingCertificate,
  type ServingCertificateFiles,
} from '../observability/secure-metrics/index.ts';
import { countKubeRequests, createMetrics } from '../observability/metrics/index.ts';
import type { CredentialsProvider, PaiflowNetworkOptions } from '../paiflow/index.ts';
import { ChangeFilter } from '../controller/change-filter.ts';
import { Controller, splitKey, type ControllerObserver } from '../controller/controller.ts';
import { isUserCaused } from '../controller/user-caused.ts';
import { ResourceInformer, type ResourceInformerOptions } from '../controller/informer/resource-informer.ts';
import { PaiflowGateway } from '../controller/paiflow-gateway/index.ts';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_FULL_REFRESH_INTERVALS,
  DetailPoller,
  Observer,
  TargetResolver,
} from '../controller/observer/index.ts';
import { PipelineRunNodeReconciler } from '../controller/pipelinerunnode/reconciler.ts';
import { DEFAULT_STATUS_LIMITS } from '../controller/status/index.ts';
import {
  createRateLimitingQueue,
  ItemExponentialFailureRateLimiter,
  withJitter,
  type RateLimitingQueue,
} from '../controller/queue/index.ts';

/** Everything `paiflow-controller run` configures; src/cli/commands/run.ts documents each flag. */
export interface ManagerOptions {
  kubeConfig: KubeConfig;
  clock: Clock;
  log: Logger;
  /** Namespaces to watch; undefined: all. */
  namespaces?: readonly string[] | undefined;
  labelSelector?: string | undefined;
  workers: number;
  defaultPollIntervalMs: number;
  minPollIntervalMs: number;
  stalledRetryMs: number;
  /** How long a Secret read (or its absence) is reused. @default 30000 (see SecretReader) */
  secretCacheTtlMs?: number | undefined;
  defaultRegion?: string | undefined;
  vpcEndpoints: boolean;
  endpointAllowList: readonly string[];
  defaultCredentials: CredentialsProvider;
  /**
   * Namespaces whose resources may omit credentialsSecretRef and use `defaultCredentials`; `*`:
   * all, empty: none. @default ['*']
   */
  defaultCredentialsNamespaces?: readonly string[] | undefined;
  paiflowQps: number;
  paiflowBurst: number;
  paiflowMaxConcurrent: number;
  /** One identity's share of an endpoint's slots. @default half of paiflowMaxConcurrent, rounded up */
  paiflowMaxConcurrentPerIdentity?: number | undefined;
  paiflowTimeoutMs: number;
  /** Nodes per ListPipelineRunsStatus call; 0: no batching (one detail call per resource and interval). @default 100 */
  paiflowBatchSize?: number | undefined;
  /** A resource gets a full detail call every this many poll intervals even when unchanged. @default 10 */
  fullRefreshIntervals?: number | undefined;
  /** Proxy and extra CAs for PAIFlow requests. @default direct, Node's default CAs */
  paiflowNetwork?: PaiflowNetworkOptions | undefined;
  reconcileTimeoutMs: number;
  /** Where /healthz and /readyz listen; undefined: no probe server. */
  probeAddress?: { host: string; port: number } | undefined;
  /** `source.host` of Events: the pod name. */
  instance?: string | undefined;
  /** Informer tuning (tests shorten these); defaults in ResourceInformerOptions. */
  informer?: Pick<ResourceInformerOptions, 'watchdogMs' | 'restartBackoff'> | undefined;
  /** Also told about every reconcile (besides the metrics), e.g. by the benchmark. */
  observer?: ControllerObserver | undefined;
  /**
   * Kubernetes requests share keep-alive connections (PooledKubeConfig); false: a new connection
   * per request, as client-node does by itself (the benchmark's baseline). @default true
   */
  shareKubeConnections?: boolean | undefined;
  /** Prometheus metrics; undefined: none. */
  metrics?: ManagerMetricsOptions | undefined;
}

export interface ManagerMetricsOptions {
  /** The registry to declare them on (never the global one). */
  registry: Registry;
  /** The `version` label of paiflow_controller_info. */
  version: string;
  /** Also export the per-object `paiflow_pipelinerunnode_*` series. */
  perObjectMetrics: boolean;
  /** Where `/metrics` listens; undefined: not served (the caller scrapes `registry`). */
  address?: { host: string; port: number } | undefined;
  /** Serve `/metrics` over HTTPS to authorized scrapers only; undefined: plain HTTP, open to all. */
  secure?: SecureMetricsOptions | undefined;
}

export interface SecureMetricsOptions {
  /** The serving certificate; undefined: a self-signed one made at start. */
  certificate?: ServingCertificateFiles | undefined;
  /**
   * The API server that authenticates (TokenReview) and authorizes (SubjectAccessReview) scrapers.
   * @default the controller's own `kubeConfig`
   */
  kubeConfig?: KubeConfig | undefined;
}

const CONTROLLER_NAME = 'pipelinerunnode';
// A watch that has shown no sign of life for this long makes /readyz fail (the informer restarts
// it long before: see ResourceInformer.watchdogMs).
const WATCH_SILENCE_NOT_READY_MS = 5 * 60_000;

/**
 * Wires the controller: informer → change filter → queue → workers → reconciler, plus the probe
 * server. The constructor starts nothing. `start()` serves probes, fills the cache, then starts the
 * workers (from then on /readyz is ok); `stop()` shuts down in reverse order.
 */
export class Manager {
  readonly queue: RateLimitingQueue<string>;
  readonly informer: ResourceInformer;
  readonly #controller: Controller;
  readonly #gateway: PaiflowGateway;
  readonly observer: Observer;
  readonly #health: HealthServer;
  readonly #kubeConfig: PooledKubeConfig;
  readonly #metricsServer: HealthServer | undefined;
  #metricsUrl: string | undefined;
  readonly #options: ManagerOptions;
  #probeUrl: string | undefined;
  #stopping = false;

  constructor(options: ManagerOptions) {
    this.#options = options;
    const { clock, log } = options;
    // Scrape-time gauges read the informer, built below; they are only read once serving.
    const metrics =
      options.metrics === undefined
        ? undefined
        : createMetrics(options.metrics.registry, {
            version: options.metrics.version,
            maxConcurrentReconciles: options.workers,
            clock,
            resources: () => this.informer.list(),
            defaultPollIntervalMs: options.defaultPollIntervalMs,
            minPollIntervalMs: options.minPollIntervalMs,
            observer: () => this.observer.stats(),
            perObjectMetrics: options.metrics.perObjectMetrics,
            ...(options.namespaces !== undefined && { namespaces: options.namespaces }),
          });
    const kubeConfig = new PooledKubeConfig({
      source: options.kubeConfig,
      interceptors: metrics === undefined ? [] : [countKubeRequests(metrics.kubeRequest)],
      reuseConnections: options.shareKubeConnections ?? true,
    });
    this.#kubeConfig = kubeConfig;
    this.#metricsServer =
      metrics === undefined
        ? undefined
        : new HealthServer({ routes: { '/metrics': this.#metricsRoute(metrics.route, kubeConfig) } });
    const api = new PipelineRunNodeApi({ kubeConfig });
    const secrets = new SecretReader({
      kubeConfig,
      clock,
      ...(options.secretCacheTtlMs !== undefined && { ttlMs: options.secretCacheTtlMs }),
    });
    this.queue = createRateLimitingQueue<string>({
      clock,
      name: CONTROLLER_NAME,
      // Namespaces take turns: one namespace's flood of work (hundreds of new resources, each an
      // urgent first poll and a status write) delays another's next reconcile by one item.
      groupOf: (key) => splitKey(key)[0],
      ...(metrics !== undefined && { observer: metrics.queue }),
      rateLimiter: withJitter(
        new ItemExponentialFailureRateLimiter({ baseDelayMs: 1000, maxDelayMs: 300_000 }),
        0.1,
      ),
    });
    const filter = new ChangeFilter();
    this.informer = new ResourceInformer({
      kubeConfig,
      api,
      clock,
      namespaces: options.namespaces,
      labelSelector: options.labelSelector,
      ...options.informer,
      onChange: (type, object) => {
        const key = filter.keyToEnqueue(type, object);
        if (key !== undefined) this.queue.add(key, { urgent: type !== 'delete' && isUserCaused(object) });
      },
      events: {
        onRestart: (info) => {
          metrics?.handles.watchRestarts.inc();
          log.warn(info, 'watch failed; restarting it');
        },
        onHandlerError: (error) => log.error({ err: error }, 'watch event handler failed'),
      },
    });
    this.#gateway = new PaiflowGateway({
      clock,
      qps: options.paiflowQps,
      burst: options.paiflowBurst,
      maxConcurrent: options.paiflowMaxConcurrent,
      ...(options.paiflowMaxConcurrentPerIdentity !== undefined && {
        maxConcurrentPerIdentity: options.paiflowMaxConcurrentPerIdentity,
      }),
      timeoutMs: options.paiflowTimeoutMs,
      ...(options.paiflowNetwork !== undefined && { network: options.paiflowNetwork }),
      ...(metrics !== undefined && { onAttempt: metrics.paiflowAttempt }),
    });
    this.observer = new Observer({
      cache: this.informer,
      gateway: this.#gateway,
      detail: new DetailPoller({
        gateway: this.#gateway,
        secrets,
        log,
        resolver: new TargetResolver({
          secrets,
          defaultRegion: options.defaultRegion,
          vpcEndpoints: options.vpcEndpoints,
          endpointAllowList: options.endpointAllowList,
          defaultCredentials: options.defaultCredentials,
          ...(options.defaultCredentialsNamespaces !== undefined && {
            defaultCredentialsNamespaces: options.defaultCredentialsNamespaces,
          }),
        }),
      }),
      clock,
      log,
      defaultIntervalMs: options.defaultPollIntervalMs,
      minIntervalMs: options.minPollIntervalMs,
      stalledRetryMs: options.stalledRetryMs,
      batchSize: options.paiflowBatchSize ?? DEFAULT_BATCH_SIZE,
      fullRefreshIntervals: options.fullRefreshIntervals ?? DEFAULT_FULL_REFRESH_INTERVALS,
      syncRefreshIntervalMs: DEFAULT_STATUS_LIMITS.syncRefreshIntervalMs,
      maxInFlightPerQueue: options.paiflowMaxConcurrent,
      onObservation: (key, urgent) => this.queue.add(key, { urgent }),
      ...(metrics !== undefined && { hooks: metrics.observer }),
    });
    const reconciler = new PipelineRunNodeReconciler({
      cache: this.informer,
      api,
      observations: this.observer,
      events: new EventRecorder({
        kubeConfig,
        clock,
        component: 'paiflow-controller',
        host: options.instance,
      }),
      clock,
      stalledRetryMs: options.stalledRetryMs,
      onEventError: (summary) => {
        metrics?.handles.eventsFailed.inc();
        log.warn({ summary }, 'an Event could not be recorded');
      },
      ...(metrics !== undefined && {
        onPoll: (namespace, previous, next) => metrics.polls.recordPoll(namespace, previous, next),
        onStatusWritten: (namespace, previous, next) =>
          metrics.completions.recordTransition(namespace, previous, next),
      }),
    });
    this.#controller = new Controller({
      name: CONTROLLER_NAME,
      queue: this.queue,
      reconciler,
      workers: options.workers,
      clock,
      log,
      reconcileTimeoutMs: options.reconcileTimeoutMs,
      observer: combineObservers(metrics?.reconciles, options.observer),
    });
    this.#health = new HealthServer({
      liveness: [{ name: 'ping', check: () => ({ ok: true }) }],
      readiness: [
        {
          name: 'informer-synced',
          check: () =>
            this.informer.hasSynced()
              ? { ok: true }
              : { ok: false, message: 'the PipelineRunNode cache has not synced yet' },
        },
        {
          name: 'watch-alive',
          check: () => {
            const silentMs = clock.now() - this.informer.oldestActivity();
            return silentMs < WATCH_SILENCE_NOT_READY_MS
              ? { ok: true }
              : { ok: false, message: `no sign of life from the watch for ${Math.round(silentMs / 1000)}s` };
          },
        },
      ],
    });
  }

  /** `/metrics`, behind delegated authentication and authorization when secure. */
  #metricsRoute(route: RouteHandler, kubeConfig: KubeConfig): RouteHandler {
    const secure = this.#options.metrics?.secure;
    if (secure === undefined) return route;
    const { clock, log } = this.#options;
    const auth = new DelegatedAuth({
      reviews: new KubeAccessReviews({ kubeConfig: secure.kubeConfig ?? kubeConfig }),
      clock,
      // The summary, never the error: client-node's messages carry whole response bodies.
      onError: (error, stage) =>
        log.warn(
          { stage, reason: kubeErrorInfo(error).summary },
          'a metrics scrape could not be reviewed: answered 500',
        ),
    });
    return protectedRoute(route, auth);
  }

  /** The probe server's URL, once started with a probe address. */
  get probeUrl(): string | undefined {
    return this.#probeUrl;
  }

  /** The `/metrics` URL, once started with a metrics address. */
  get metricsUrl(): string | undefined {
    return this.#metricsUrl === undefined ? undefined : `${this.#metricsUrl}/metrics`;
  }

  async start(): Promise<void> {
    const { probeAddress, log } = this.#options;
    if (probeAddress !== undefined) this.#probeUrl = await this.#health.listen(probeAddress);
    const metricsAddress = this.#options.metrics?.address;
    if (this.#metricsServer !== undefined && metricsAddress !== undefined) {
      const secure = this.#options.metrics?.secure;
      const tls = secure === undefined ? undefined : await servingCertificate(secure.certificate);
      this.#metricsUrl = await this.#metricsServer.listen(metricsAddress, tls);
      if (tls !== undefined) {
        log.info(
          { url: this.metricsUrl, selfSigned: tls.selfSigned },
          'serving metrics over HTTPS to scrapers the API server authenticates and authorizes',
        );
      }
    }
    log.info(
      { namespaces: this.#options.namespaces ?? 'all', probe: this.#probeUrl },
      'starting: filling the cache',
    );
    await this.informer.start();
    // stop() during the sync releases informer.start(): then there is nothing to start.
    if (this.#stopping) return;
    this.observer.start();
    this.#controller.start();
    log.info(
      { resources: this.informer.list().length, workers: this.#options.workers },
      'cache synced; workers started',
    );
  }

  /** Stops in reverse order; in-flight reconciles and PAIFlow calls get `graceMs` to finish before they are aborted. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    // In-flight reconciles and PAIFlow calls share the grace period.
    await Promise.all([this.#controller.stop(graceMs), this.observer.stop(graceMs)]);
    await this.informer.stop();
    await this.#gateway.close();
    await this.#health.close();
    await this.#metricsServer?.close();
    await this.#kubeConfig.close();
  }
}

function combineObservers(...observers: (ControllerObserver | undefined)[]): ControllerObserver {
  const present = observers.filter((o) => o !== undefined);
  return {
    reconciled: (event) => {
      for (const o of present) o.reconciled?.(event);
    },
    activeWorkers: (count) => {
      for (const o of present) o.activeWorkers?.(count);
    },
  };
}
