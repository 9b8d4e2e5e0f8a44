import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import type { Clock, Timer } from '../../clock/clock.ts';
import { kubeErrorInfo } from '../../kube/api-errors.ts';
import { PipelineRunNodeApi } from '../../kube/pipelinerunnode-api.ts';

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
  // client-node types metadata times as Date; the watch hands over plain JSON, which PipelineRunNode describes.
  informer: ListWatch<KubernetesObject>;
  synced: boolean;
  failures: number;
  lastActivity: number;
  restart: Timer | undefined;
}

/**
 * A cache of PipelineRunNodes kept current by list and watch (client-node's ListWatch), made to
 * survive what stops that informer for good: any watch or list error, and silent connections.
 * Errors restart it with exponential backoff; a watchdog restarts a watch that has gone quiet.
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
      await watch.informer.stop();
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
      synced: false,
      failures: 0,
      lastActivity: this.#options.clock.now(),
      restart: undefined,
      // Replaced right below: the list function needs the record to mark it synced.
      informer: undefined as unknown as NamespaceWatch['informer'],
    };
    const list = async () => {
      const result = await api.list({
        ...(namespace !== undefined && { namespace }),
        ...(labelSelector !== undefined && { labelSelector }),
      });
      this.#alive(watch);
      return result as unknown as KubernetesListObject<KubernetesObject>;
    };
    watch.informer = new ListWatch(
      PipelineRunNodeApi.watchPath(namespace),
      new Watch(kubeConfig),
      list,
      false,
      labelSelector,
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
    watch.informer.on('error', (error: unknown) =>
      this.#scheduleRestart(watch, kubeErrorInfo(error).summary),
    );
    return watch;
  }

  #startWatch(watch: NamespaceWatch): void {
    // ListWatch.start() relists only when it has no resourceVersion (first start, or after a 410);
    // otherwise it resumes the watch where it stopped, so a restart loses no event.
    // A failed list reports through the error callback and leaves no resourceVersion behind.
    watch.informer
      .start()
      .catch((error: unknown) => this.#scheduleRestart(watch, kubeErrorInfo(error).summary))
      .finally(() => {
        if (watch.informer.latestResourceVersion() !== '') this.#markSynced(watch);
      });
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

  #scheduleRestart(watch: NamespaceWatch, reason: string): void {
    if (this.#stopped || watch.restart !== undefined) return;
    const exponent = Math.min(watch.failures, 16);
    watch.failures += 1;
    const base = Math.min(this.#backoff.maxMs, this.#backoff.minMs * 2 ** exponent);
    const delayMs = Math.round(base * (0.8 + Math.random() * 0.4));
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
          // Stopping fires the error callback, which schedules the restart: one path for both cases.
          void watch.informer.stop().then(() => this.#scheduleRestart(watch, 'watch silent too long'));
        }
      }
      this.#watchdog = this.#options.clock.setTimer(check, this.#watchdogMs / 4);
    };
    this.#watchdog = this.#options.clock.setTimer(check, this.#watchdogMs / 4);
  }
}
