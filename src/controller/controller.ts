import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.ts';
import type { RateLimitingQueue } from './queue/index.ts';
import { RetryableError, type Reconciler, type Result } from './reconcile-result.ts';

/** How one reconcile ended, one label value each (controller-runtime's `result` label). */
export type ReconcileOutcome = 'success' | 'requeue_after' | 'error' | 'panic';

/** Hooks for metrics; implementations must be cheap and must not throw. */
export interface ControllerObserver {
  reconciled?(event: { outcome: ReconcileOutcome; durationMs: number; reason?: string }): void;
  activeWorkers?(count: number): void;
}

export interface ControllerOptions {
  /** The controller's name, in logs and metrics (`pipelinerunnode`). */
  name: string;
  queue: RateLimitingQueue<string>;
  reconciler: Reconciler;
  /** Parallel reconciles; one key is never reconciled by two workers at once. */
  workers: number;
  clock: Clock;
  log: Logger;
  /** A reconcile still running after this long is aborted (its signal fires). @default 60000 */
  reconcileTimeoutMs?: number;
  observer?: ControllerObserver;
}

/**
 * Runs workers that take keys from the queue and reconcile them, mapping each outcome to exactly one
 * queue action, as controller-runtime does:
 *
 * | outcome                        | queue action                                              |
 * |--------------------------------|-----------------------------------------------------------|
 * | `{}`                           | forget (reset backoff); the key waits for its next change |
 * | `{ requeueAfterMs }`           | forget, then addAfter (a planned poll, not a failure)     |
 * | thrown RetryableError / Error  | addRateLimited (per-key exponential backoff, retry-after) |
 * | thrown non-Error ("panic")     | counted, then addRateLimited like an error                |
 *
 * The constructor starts nothing. `start()` launches the workers; `stop()` stops taking new keys,
 * aborts in-flight reconciles after `graceMs` and resolves when every worker has finished.
 */
export class Controller {
  readonly #options: ControllerOptions;
  readonly #abort = new AbortController();
  #workers: Promise<void>[] = [];
  #active = 0;

  constructor(options: ControllerOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new Error(`expected workers to be an integer of at least 1, got ${options.workers}`);
    }
    this.#options = options;
  }

  start(): void {
    if (this.#workers.length > 0) return;
    this.#workers = Array.from({ length: this.#options.workers }, () => this.#work());
  }

  /**
   * No new keys are handed out (queued ones are dropped); in-flight reconciles may finish within
   * `graceMs`, then their signals are aborted. Resolves once every worker has returned.
   */
  async stop(graceMs: number): Promise<void> {
    const { queue, clock } = this.#options;
    // shutDown, not shutDownWithDrain: a backlog of thousands of keys is not worth finishing on
    // SIGTERM (the next process relists and polls them); only in-flight reconciles get the grace.
    queue.shutDown();
    const timer = clock.setTimer(() => this.#abort.abort(new Error('controller shutting down')), graceMs);
    try {
      await Promise.all(this.#workers);
    } finally {
      timer.cancel();
    }
  }

  async #work(): Promise<void> {
    const { queue } = this.#options;
    for (;;) {
      const next = await queue.get();
      if (next.shutdown) return;
      this.#setActive(1);
      try {
        await this.#process(next.item);
      } finally {
        this.#setActive(-1);
        queue.done(next.item);
      }
    }
  }

  async #process(key: string): Promise<void> {
    const { queue, reconciler, clock, observer } = this.#options;
    const [namespace, name] = splitKey(key);
    const log = this.#options.log.child({
      controller: this.#options.name,
      namespace,
      name,
      reconcileID: randomUUID(),
    });
    // A timer cancelled when the reconcile ends: AbortSignal.timeout() cannot be cancelled, and at
    // hundreds of reconciles a second its timers pile up for the whole timeout.
    const timedOut = new AbortController();
    const timer = clock.setTimer(
      () => timedOut.abort(new Error('reconcile timed out')),
      this.#options.reconcileTimeoutMs ?? 60_000,
    );
    const signal = AbortSignal.any([this.#abort.signal, timedOut.signal]);
    const started = clock.now();
    let outcome: ReconcileOutcome;
    let reason: string | undefined;
    try {
      const result: Result = await reconciler.reconcile(key, { signal, log });
      queue.forget(key);
      if (result.requeueAfterMs === undefined) {
        outcome = 'success';
      } else {
        outcome = 'requeue_after';
        queue.addAfter(key, result.requeueAfterMs);
      }
    } catch (error) {
      outcome = error instanceof Error ? 'error' : 'panic';
      if (error instanceof RetryableError) {
        reason = error.reason;
        log.debug(
          { reason, retryAfterMs: error.retryAfterMs },
          `reconcile will be retried: ${error.message}`,
        );
      } else {
        log.error({ err: error }, 'reconcile failed');
      }
      // Not requeued during shutdown: the next leader or process start picks every key up again.
      if (!queue.shuttingDown()) {
        queue.addRateLimited(key, {
          notBeforeMs: error instanceof RetryableError ? error.retryAfterMs : undefined,
        });
      }
    }
    timer.cancel();
    observer?.reconciled?.({
      outcome,
      durationMs: clock.now() - started,
      ...(reason !== undefined && { reason }),
    });
  }

  #setActive(delta: number): void {
    this.#active += delta;
    this.#options.observer?.activeWorkers?.(this.#active);
  }
}

/** `namespace/name` into its parts (cluster-scoped keys have no namespace). */
export function splitKey(key: string): [namespace: string, name: string] {
  const slash = key.indexOf('/');
  return slash < 0 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
}

export function keyOf(object: { metadata: { namespace?: string; name: string } }): string {
  return object.metadata.namespace === undefined
    ? object.metadata.name
    : `${object.metadata.namespace}/${object.metadata.name}`;
}
