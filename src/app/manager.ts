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
import { countKubeRequests, createMetrics, type Metrics } from '../observability/metrics/index.ts';
import type { CredentialsProvider, PaiflowNetworkOptions } from '../paiflow/index.ts';
import { ChangeFilter } from '../controller/change-filter.ts';
import type { ControllerObserver } from '../controller/controller.ts';
import { isUserCaused } from '../controller/user-caused.ts';
import { ResourceInformer, type ResourceInformerOptions } from '../controller/informer/resource-informer.ts';
import { PaiflowGateway } from '../controller/paiflow-gateway/index.ts';
import type { LeaderElector } from '../controller/leaderelection/leader-elector.ts';
import { leaderElected } from '../controller/leaderelection/leader-elected.ts';
import { RunGroup } from '../controller/lifecycle/run-group.ts';
import { runnable } from '../controller/lifecycle/runnable.ts';
import type { Observer } from '../controller/observer/index.ts';
import type { RateLimitingQueue } from '../controller/queue/index.ts';
import { shardKey, type Ownership, type ShardRing } from '../controller/sharding/index.ts';
import type { PipelineRunNode } from '../api/v1alpha1.ts';
import { createLeaderElector, type LeaderElectionOptions } from './leader-election.ts';
import { ReconcileWork } from './reconcile-work.ts';
import { createShardRing, ringMember, type ShardingOptions } from './shard-ring.ts';

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
  /** Run the reconcile work only while holding this Lease; undefined: always (one replica). */
  leaderElection?: LeaderElectionOptions | undefined;
  /**
   * Work only on this replica's share of the resources, as a member of this shard ring; undefined:
   * on all of them. Not with `leaderElection`.
   */
  sharding?: ShardingOptions | undefined;
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

// A watch that has shown no sign of life for this long makes /readyz fail (the informer restarts
// it long before: see ResourceInformer.watchdogMs).
const WATCH_SILENCE_NOT_READY_MS = 5 * 60_000;
// A component that has not stopped this long after its grace period is left behind on shutdown.
const STOP_MARGIN_MS = 5_000;

/** Why the manager stopped by itself (leadership lost, the shard ring failed): the process must exit non-zero. */
export interface ManagerFailure {
  reason: string;
}

/**
 * Wires the controller: informer → change filter → the reconcile work (queue → workers → reconciler,
 * and the observer), plus the probe and metrics servers. The constructor starts nothing. `start()`
 * runs the components in order (src/controller/lifecycle): servers, the cache (from then on /readyz
 * is ok), then the reconcile work, under the leader elector when leader election is on (start()
 * resolves once campaigning; the work starts when the Lease is held). With sharding, the shard ring
 * member starts between the cache and the work, and the work reconciles only the resources the ring
 * gives this replica (ShardedReconciler). `stop()` stops them in reverse.
 */
export class Manager {
  readonly informer: ResourceInformer;
  readonly #work: ReconcileWork;
  readonly #elector: LeaderElector | undefined;
  readonly #ring: ShardRing | undefined;
  readonly #gateway: PaiflowGateway;
  readonly #health: HealthServer;
  readonly #kubeConfig: PooledKubeConfig;
  readonly #metricsServer: HealthServer | undefined;
  readonly #metrics: Metrics | undefined;
  readonly #group: RunGroup;
  #metricsUrl: string | undefined;
  readonly #options: ManagerOptions;
  #probeUrl: string | undefined;
  #graceMs = 0;
  readonly #failed: Promise<ManagerFailure>;
  #fail: (failure: ManagerFailure) => void = () => undefined;

  constructor(options: ManagerOptions) {
    if (options.leaderElection !== undefined && options.sharding !== undefined) {
      throw new Error('expected leader election or sharding, not both: sharding replaces leader election');
    }
    this.#options = options;
    const { clock, log } = options;
    this.#failed = new Promise((resolve) => (this.#fail = resolve));
    // Scrape-time gauges read the informer and the work, built below; they are only read once serving.
    const metrics =
      options.metrics === undefined
        ? undefined
        : createMetrics(options.metrics.registry, {
            version: options.metrics.version,
            maxConcurrentReconciles: options.workers,
            clock,
            // Only the replica doing the work reports the state gauges, for the resources it works
            // on: every replica has the whole cache, and sums over replicas would count each twice.
            resources: () => (this.#work.running ? this.#owned(this.informer.list()) : []),
            defaultPollIntervalMs: options.defaultPollIntervalMs,
            minPollIntervalMs: options.minPollIntervalMs,
            observer: () => this.#work.stats(),
            perObjectMetrics: options.metrics.perObjectMetrics,
            ...(options.namespaces !== undefined && { namespaces: options.namespaces }),
            ...(options.sharding !== undefined && { sharding: () => this.#ownership() }),
          });
    this.#metrics = metrics;
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
        if (key !== undefined) this.#work.enqueue(key, type !== 'delete' && isUserCaused(object));
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
    const events = new EventRecorder({
      kubeConfig,
      clock,
      component: 'paiflow-controller',
      host: options.instance,
    });
    this.#ring =
      options.sharding === undefined
        ? undefined
        : createShardRing({ options: options.sharding, kubeConfig, clock, log });
    this.#work = new ReconcileWork({
      options,
      informer: this.informer,
      api,
      secrets,
      gateway: this.#gateway,
      events,
      metrics,
      graceMs: () => this.#graceMs,
      ownership: this.#ring === undefined ? undefined : () => this.#ownership(),
    });
    this.#elector =
      options.leaderElection === undefined
        ? undefined
        : createLeaderElector({ options: options.leaderElection, kubeConfig, clock, log, events, metrics });
    this.#group = new RunGroup({
      clock,
      onStopTimeout: (name, timeoutMs) =>
        log.warn({ component: name, timeoutMs }, 'a component did not stop in time; leaving it behind'),
    });
    this.#health = new HealthServer({
      liveness: [{ name: 'ping', check: () => ({ ok: true }) }],
      // Never leadership: a follower is ready to take over, and a rolling update waits on readiness.
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

  /** The shard ring's current ownership; call only with sharding. */
  #ownership(): Ownership {
    if (this.#ring === undefined) throw new Error('not sharded');
    return this.#ring.ownership;
  }

  /** `resources`, or with sharding those this replica owns now. */
  #owned(resources: readonly PipelineRunNode[]): readonly PipelineRunNode[] {
    if (this.#ring === undefined) return resources;
    const ownership = this.#ring.ownership;
    return resources.filter((resource) => ownership.owns(shardKey(resource)));
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

  /** The reconcile work's queue (while it runs: leader election off, or this replica leads). */
  get queue(): RateLimitingQueue<string> {
    return this.#work.queue;
  }

  /** The reconcile work's observer (while it runs). */
  get observer(): Observer {
    return this.#work.observer;
  }

  /** True while the reconcile work runs (always once started without leader election). */
  get working(): boolean {
    return this.#work.running;
  }

  /** Settles when the manager stopped by itself: leadership was lost. The caller should exit non-zero. */
  get failed(): Promise<ManagerFailure> {
    return this.#failed;
  }

  /**
   * Serves probes and metrics, fills the cache, then starts the reconcile work (at once, or under the
   * elector). Resolves once all are started (under the elector: once campaigning).
   */
  async start(): Promise<void> {
    const { log } = this.#options;
    await this.#group.start([
      runnable(
        'health-server',
        async () => {
          const { probeAddress } = this.#options;
          if (probeAddress !== undefined) this.#probeUrl = await this.#health.listen(probeAddress);
        },
        () => this.#health.close(),
      ),
      runnable(
        'metrics-server',
        () => this.#serveMetrics(),
        async () => {
          await this.#metricsServer?.close();
        },
      ),
      runnable(
        'informer',
        async () => {
          log.info(
            { namespaces: this.#options.namespaces ?? 'all', probe: this.#probeUrl },
            'starting: filling the cache',
          );
          await this.informer.start();
          log.info({ resources: this.informer.list().length }, 'cache synced');
        },
        () => this.informer.stop(),
      ),
      // Joins once the cache has synced; stopped after the work (reverse order), so its Lease is
      // deleted only once nothing more is written.
      ...(this.#ring === undefined
        ? []
        : [
            ringMember({
              ring: this.#ring,
              onChange: (next, previous) => this.#work.applyOwnership(next, previous),
              onFailure: (error) => {
                log.error({ err: error }, 'shard ring: stopped by a failed ownership change');
                this.#fail({ reason: 'shard ring failed' });
              },
            }),
          ]),
      this.#elector === undefined
        ? this.#work
        : leaderElected({
            elector: this.#elector,
            work: this.#work,
            onResult: (result) => {
              this.#metrics?.handles.leaderElectionMasterStatus.set(
                { name: this.#options.leaderElection?.id ?? '' },
                0,
              );
              if (result === 'lost') this.#fail({ reason: 'leader election lost' });
            },
          }),
    ]);
  }

  async #serveMetrics(): Promise<void> {
    const { log } = this.#options;
    const metricsAddress = this.#options.metrics?.address;
    if (this.#metricsServer === undefined || metricsAddress === undefined) return;
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

  /**
   * Stops in reverse order: the reconcile work first (in-flight reconciles and PAIFlow calls get
   * `graceMs` to finish before they are aborted; then the Lease is released), the cache, the servers.
   * Each component gets `graceMs` + 5 s at most.
   */
  async stop(graceMs: number): Promise<void> {
    this.#graceMs = graceMs;
    await this.#group.stop(graceMs + STOP_MARGIN_MS);
    await this.#gateway.close();
    await this.#kubeConfig.close();
  }
}
