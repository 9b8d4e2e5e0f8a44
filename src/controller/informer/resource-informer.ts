import {
  ListWatch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import type { Clock, Timer } from '../../clock/clock.ts';
import { kubeErrorInfo } from '../../kube/api-errors.ts';
import { PipelineRunNodeApi } from '../../kube/pipelinerunnode-api.ts';
import { AbortableWatch } from './abortable-watch.ts';
import { slimResource } from './cache-transform.ts';

export type ChangeType = 'add' | 'update' | 'delete';

/** Called for every change the watch delivers. Must only enqueue: it runs inside the watch loop. */
export type ChangeHandler = (type: ChangeType, object: PipelineRunNode) => void;

/** What the informer reports about itself, for logs and metrics; must not throw. */
export interface InformerEvents {
  /** The watch failed and is restarted after `delayMs`. */
  onRestart?: (info: { namespace: string | undefined; reason: string; delayMs: number }) => void;
  /** A handler threw; the change was dropped (and counted by the caller). */
  onHandlerError?: (error: unknown) => void;
}

export interface ResourceInformerOptions {
  kubeConfig: KubeConfig;
  api: PipelineRunNodeApi;
  /** Namespaces to watch, one watch each; undefined: all namespaces with one watch. */
  namespaces?: readonly string[];
  labelSelector?: string;
  clock: Clock;
  onChange: ChangeHandler;
  events?: InformerEvents;
  /** Restart backoff after a failed list or watch. @default { minMs: 1000, maxMs: 30000 } */
  restartBackoff?: { minMs: number; maxMs: number };
  /**
   * A watch that delivered nothing (no event, no reconnect) for this long is restarted. The client
   * reconnects an idle watch every 30 s by itself, so silence beyond this means it is stuck.
   * @default 120000
   */
  watchdogMs?: number;
}

interface NamespaceWatch {
  namespace: string | undefined;
  /**
   * Bumped whenever the informer is stopped from outside (watchdog, stop()): work the ListWatch
   * started before (a list or a reconnect delay still pending) is stale and must not touch the cache
   * or start a watch when it completes.
   */
  epoch: number;
  // client-node types metadata times as Date; the watch hands over plain JSON, which PipelineRunNode describes.
  informer: ListWatch<KubernetesObject>;
  synced: boolean;
  failures: number;
  lastActivity: number;
  restart: Timer | undefined;
}

/** What a list or reconnect delay of a ListWatch that was restarted meanwhile ends with. */
class StaleWorkError extends Error {
  constructor() {
    super('superseded by a restart of the informer');
    this.name = 'StaleWorkError';
  }
}

/**
 * A cache of PipelineRunNodes kept current by list and watch (client-node's ListWatch), holding of
 * each only what the controller reads (slimResource), made to
 * survive what stops that informer for good: any watch or list error, and silent connections.
 * Errors restart it with exponential backoff (at least the server's Retry-After); a watchdog
 * restarts a watch that has gone quiet.
 *
 * A stop of ListWatch does not cancel what it is waiting for (a list, a reconnect delay), and a
 * later start() runs beside it: such stale work is recognised by the epoch and ends quietly, and
 * the watch requests go through AbortableWatch, so a request still waiting for its headers is
 * aborted too. Either way exactly one watch runs per namespace.
 * The constructor starts nothing. `start()` resolves once every namespace has listed once
 * (the cache has synced); `stop()` ends the watches and timers.
 */
export class ResourceInformer {
  readonly #options: ResourceInformerOptions;
  readonly #watches: NamespaceWatch[];
  readonly #backoff: { minMs: number; maxMs: number };
  readonly #watchdogMs: number;
  #watchdog: Timer | undefined;
  #stopped = false;
  #syncWaiters: (() => void)[] = [];

  constructor(options: ResourceInformerOptions) {
    this.#options = options;
    this.#backoff = options.restartBackoff ?? { minMs: 1000, maxMs: 30_000 };
    this.#watchdogMs = options.watchdogMs ?? 120_000;
    const namespaces = options.namespaces === undefined ? [undefined] : [...new Set(options.namespaces)];
    this.#watches = namespaces.map((namespace) => this.#createWatch(namespace));
  }

  /** Starts every watch; resolves once all have synced, or when stop() is called first. */
  async start(): Promise<void> {
    for (const watch of this.#watches) this.#startWatch(watch);
    this.#armWatchdog();
    await new Promise<void>((resolve) => {
      if (this.hasSynced() || this.#stopped) resolve();
      else this.#syncWaiters.push(resolve);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watchdog?.cancel();
    for (const watch of this.#watches) {
      watch.restart?.cancel();
      await this.#halt(watch);
    }
    this.#releaseSyncWaiters();
  }

  /** True once every namespace's cache has been filled by a successful list. */
  hasSynced(): boolean {
    return this.#watches.every((w) => w.synced);
  }

  /** The epoch ms of the most recent sign of life of the quietest watch (for /readyz). */
  oldestActivity(): number {
    return Math.min(...this.#watches.map((w) => w.lastActivity));
  }

  get(namespace: string, name: string): PipelineRunNode | undefined {
    const watch = this.#watches.find((w) => w.namespace === undefined || w.namespace === namespace);
    return watch?.informer.get(name, namespace) as PipelineRunNode | undefined;
  }

  list(): PipelineRunNode[] {
    return this.#watches.flatMap((w) => w.informer.list() as readonly unknown[] as PipelineRunNode[]);
  }

  #createWatch(namespace: string | undefined): NamespaceWatch {
    const { api, kubeConfig, labelSelector } = this.#options;
    const watch: NamespaceWatch = {
      namespace,
      epoch: 0,
      synced: false,
      failures: 0,
      lastActivity: this.#options.clock.now(),
      restart: undefined,
      // Replaced right below: the list function needs the record to mark it synced.
      informer: undefined as unknown as NamespaceWatch['informer'],
    };
    const list = async () => {
      const epoch = watch.epoch;
      let result;
      try {
        result = await api.list({
          ...(namespace !== undefined && { namespace }),
          ...(labelSelector !== undefined && { labelSelector }),
          keep: (item) => slimResource(item) as PipelineRunNode,
        });
      } catch (error) {
        throw epoch === watch.epoch ? error : new StaleWorkError();
      }
      // A list that hung past a restart must not overwrite the cache, nor start a second watch.
      if (epoch !== watch.epoch) throw new StaleWorkError();
      this.#alive(watch);
      return result as unknown as KubernetesListObject<KubernetesObject>;
    };
    // ListWatch waits this long before re-watching after a watch ended without any event.
    const reconnectDelay = async (ms: number) => {
      const epoch = watch.epoch;
      await new Promise<void>((resolve) => this.#options.clock.setTimer(resolve, ms));
      if (epoch !== watch.epoch) throw new StaleWorkError();
    };
    const transport = new AbortableWatch(kubeConfig, {
      transform: slimResource,
      // The rejection of a ListWatch reconnect (ours above, or anything unexpected).
      onDoneError: (error) => {
        this.#failed(watch, error);
      },
    });
    watch.informer = new ListWatch(
      PipelineRunNodeApi.watchPath(namespace),
      transport,
      list,
      false,
      labelSelector,
      undefined,
      { delayFn: reconnectDelay },
    );
    for (const type of ['add', 'update', 'delete'] as const) {
      watch.informer.on(type, (object) => {
        this.#alive(watch);
        try {
          this.#options.onChange(type, object as unknown as PipelineRunNode);
        } catch (error) {
          this.#options.events?.onHandlerError?.(error);
        }
      });
    }
    watch.informer.on('connect', () => this.#alive(watch));
    watch.informer.on('error', (error: unknown) => {
      this.#failed(watch, error);
    });
    return watch;
  }

  #startWatch(watch: NamespaceWatch): void {
    // ListWatch.start() relists only when it has no resourceVersion (first start, or after a 410);
    // otherwise it resumes the watch where it stopped, so a restart loses no event. It resolves
    // once the watch is requested (AbortableWatch does not wait for the answer), so after a list
    // the cache is filled. A failed list reports through the error callback and leaves no
    // resourceVersion behind.
    const epoch = watch.epoch;
    void watch.informer.start().then(
      () => {
        if (epoch === watch.epoch && watch.informer.latestResourceVersion() !== '') {
          this.#markSynced(watch);
        }
      },
      (error: unknown) => {
        if (epoch === watch.epoch) this.#failed(watch, error);
      },
    );
  }

  /** A list or watch failed (the ListWatch is stopped): restart it, unless the failure is stale work. */
  #failed(watch: NamespaceWatch, error: unknown): void {
    if (error instanceof StaleWorkError) return;
    const info = kubeErrorInfo(error);
    // A watch's 403 carries no message (client-node keeps only the status code): say what is missing.
    const reason =
      info.status === 403
        ? `${info.summary}: the controller needs list and watch on pipelinerunnodes.paiflow.dev ${
            watch.namespace === undefined ? 'in every namespace' : `in namespace ${watch.namespace}`
          } (deploy/rbac)`
        : info.summary;
    this.#scheduleRestart(watch, reason, info.retryAfterMs);
  }

  /** Stops the ListWatch from outside: whatever it still waits for becomes stale. */
  async #halt(watch: NamespaceWatch): Promise<void> {
    watch.epoch += 1;
    await watch.informer.stop();
  }

  #alive(watch: NamespaceWatch): void {
    watch.lastActivity = this.#options.clock.now();
  }

  #markSynced(watch: NamespaceWatch): void {
    watch.failures = 0;
    if (watch.synced) return;
    watch.synced = true;
    if (this.hasSynced()) this.#releaseSyncWaiters();
  }

  #releaseSyncWaiters(): void {
    const waiters = this.#syncWaiters;
    this.#syncWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #scheduleRestart(watch: NamespaceWatch, reason: string, retryAfterMs = 0): void {
    if (this.#stopped || watch.restart !== undefined) return;
    const exponent = Math.min(watch.failures, 16);
    watch.failures += 1;
    const base = Math.min(this.#backoff.maxMs, this.#backoff.minMs * 2 ** exponent);
    const delayMs = Math.max(Math.round(base * (0.8 + Math.random() * 0.4)), retryAfterMs);
    this.#options.events?.onRestart?.({ namespace: watch.namespace, reason, delayMs });
    watch.restart = this.#options.clock.setTimer(() => {
      watch.restart = undefined;
      if (this.#stopped) return;
      this.#alive(watch);
      this.#startWatch(watch);
    }, delayMs);
  }

  #armWatchdog(): void {
    const check = () => {
      if (this.#stopped) return;
      const now = this.#options.clock.now();
      for (const watch of this.#watches) {
        if (watch.restart === undefined && now - watch.lastActivity > this.#watchdogMs) {
          // Scheduled first: the abort error that stopping reports finds the restart already planned.
          this.#scheduleRestart(watch, 'watch silent too long');
          void this.#halt(watch);
        }
      }
      this.#watchdog = this.#options.clock.setTimer(check, this.#watchdogMs / 4);
    };
    this.#watchdog = this.#options.clock.setTimer(check, this.#watchdogMs / 4);
  }
}
