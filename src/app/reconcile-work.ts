import type { EventRecorder } from '../kube/event-recorder.ts';
import type { PipelineRunNodeApi } from '../kube/pipelinerunnode-api.ts';
import type { SecretReader } from '../kube/secret-reader.ts';
import type { Metrics } from '../observability/metrics/index.ts';
import { Controller, keyOf, splitKey, type ControllerObserver } from '../controller/controller.ts';
import type { ResourceInformer } from '../controller/informer/resource-informer.ts';
import { LeadershipLostError } from '../controller/leaderelection/leader-elector.ts';
import type { Runnable, Running } from '../controller/lifecycle/runnable.ts';
import type { PaiflowGateway } from '../controller/paiflow-gateway/index.ts';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_FULL_REFRESH_INTERVALS,
  DetailPoller,
  Observer,
  TargetResolver,
  type ObserverStats,
} from '../controller/observer/index.ts';
import { PipelineRunNodeReconciler } from '../controller/pipelinerunnode/reconciler.ts';
import type { Reconciler } from '../controller/reconcile-result.ts';
import { ShardedReconciler, type Ownership } from '../controller/sharding/index.ts';
import {
  createRateLimitingQueue,
  ItemExponentialFailureRateLimiter,
  withJitter,
  type RateLimitingQueue,
} from '../controller/queue/index.ts';
import { DEFAULT_STATUS_LIMITS } from '../controller/status/index.ts';
import { isUserCaused } from '../controller/user-caused.ts';
import type { ManagerOptions } from './manager.ts';

export const CONTROLLER_NAME = 'pipelinerunnode';

/** What the work shares with the rest of the process: the cache, the clients, the metrics. */
export interface ReconcileWorkOptions {
  options: ManagerOptions;
  informer: ResourceInformer;
  api: PipelineRunNodeApi;
  secrets: SecretReader;
  gateway: PaiflowGateway;
  events: EventRecorder;
  metrics: Metrics | undefined;
  /** How long in-flight reconciles and PAIFlow calls may finish when stopped (not when leadership is lost). */
  graceMs: () => number;
  /**
   * With --sharding: the shard ring's current ownership. Then only owned resources are observed and
   * reconciled, and the ring's changes go through applyOwnership().
   */
  ownership?: (() => Ownership) | undefined;
}

/** One term of work: built when it starts, dropped when it stops, so a next term starts clean. */
interface Term {
  queue: RateLimitingQueue<string>;
  observer: Observer;
  controller: Controller;
  /** With sharding: the reconciler that filters by ownership and applies its changes. */
  sharded: ShardedReconciler | undefined;
}

/**
 * Everything that polls PAIFlow or writes to Kubernetes (status, Events): the observer, the work
 * queue and the reconcile workers, as a Runnable. The manager runs it under the leader elector, or
 * always when leader election is off. Each start builds a fresh queue and observer (a shut-down queue
 * cannot be reused) and enqueues every cached resource, since the cache filled before this term.
 */
export class ReconcileWork implements Runnable {
  readonly name = 'reconcile-work';
  readonly #o: ReconcileWorkOptions;
  #term: Term | undefined;
  /** Terms started and not yet stopped (a stopping term's in-flight reconciles still write). */
  readonly #live = new Set<Term>();

  constructor(options: ReconcileWorkOptions) {
    this.#o = options;
  }

  /** The current term's queue; throws when the work is not running. */
  get queue(): RateLimitingQueue<string> {
    return this.#current().queue;
  }

  /** The current term's observer; throws when the work is not running. */
  get observer(): Observer {
    return this.#current().observer;
  }

  get running(): boolean {
    return this.#term !== undefined;
  }

  /** Undefined while not running (a follower observes nothing). */
  stats(): ObserverStats | undefined {
    return this.#term?.observer.stats();
  }

  /** Hands a changed resource to the running term; dropped when none runs (the next term lists the cache). */
  enqueue(key: string, urgent: boolean): void {
    this.#term?.queue.add(key, { urgent });
  }

  /**
   * Applies a shard ring ownership change (the ring's onChange) to every term still live: resolves
   * once no reconcile is left on the resources dropped, including those of a term still stopping.
   * Without a live term there is nothing to drop, and the next term enqueues every cached resource.
   */
  async applyOwnership(next: Ownership, previous: Ownership): Promise<void> {
    await Promise.all(
      [...this.#live].map((term) => term.sharded?.apply(next, previous) ?? Promise.resolve()),
    );
  }

  start(signal: AbortSignal): Running {
    const term = this.#build();
    this.#term = term;
    this.#live.add(term);
    term.observer.start();
    term.controller.start();
    for (const object of this.#o.informer.list())
      term.queue.add(keyOf(object), { urgent: isUserCaused(object) });
    this.#o.options.log.info(
      { resources: this.#o.informer.list().length, workers: this.#o.options.workers },
      'reconcile work started',
    );
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        this.#term = undefined;
        // Leadership lost: another replica may already be leading, so nothing more is written.
        const lost = signal.reason instanceof LeadershipLostError;
        const graceMs = lost ? 0 : this.#o.graceMs();
        this.#o.options.log.info({ graceMs, leadershipLost: lost }, 'reconcile work stopping');
        void Promise.all([term.controller.stop(graceMs), term.observer.stop(graceMs)]).then(() => {
          this.#live.delete(term);
          this.#o.options.log.info({ graceMs }, 'reconcile work stopped');
          resolve();
        });
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
    return { ready: Promise.resolve(), stopped };
  }

  #current(): Term {
    if (this.#term === undefined) throw new Error('the reconcile work is not running (not leading?)');
    return this.#term;
  }

  #build(): Term {
    const { options, informer, api, secrets, gateway, events, metrics } = this.#o;
    const { clock, log } = options;
    const queue = createRateLimitingQueue<string>({
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
    const observer = new Observer({
      cache: informer,
      gateway,
      detail: new DetailPoller({
        gateway,
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
      onObservation: (key, urgent) => queue.add(key, { urgent }),
      ...(metrics !== undefined && { hooks: metrics.observer }),
    });
    const reconciles = new PipelineRunNodeReconciler({
      cache: informer,
      api,
      observations: observer,
      events,
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
    const sharded =
      this.#o.ownership === undefined
        ? undefined
        : new ShardedReconciler({
            reconciler: reconciles,
            cache: informer,
            ownership: this.#o.ownership,
            forget: (key) => observer.forget(key),
            // Taken up: polled at once, as a resource that is new to this replica.
            enqueue: (key) => queue.add(key),
            onHandover: (direction, resources) => {
              metrics?.handovers(direction, resources);
              log.info({ direction, resources }, 'shard ring: resources handed over');
            },
          });
    const reconciler: Reconciler = sharded ?? reconciles;
    const controller = new Controller({
      name: CONTROLLER_NAME,
      queue,
      reconciler,
      workers: options.workers,
      clock,
      log,
      reconcileTimeoutMs: options.reconcileTimeoutMs,
      observer: combineObservers(metrics?.reconciles, options.observer),
    });
    return { queue, observer, controller, sharded };
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
