import type { Clock } from '../../clock/clock.ts';
import type { Runnable, Running } from './runnable.ts';

export interface RunGroupOptions {
  clock: Clock;
  /** Told when a component did not stop within its bound; the group goes on stopping the rest. */
  onStopTimeout?: (name: string, timeoutMs: number) => void;
}

interface Started {
  runnable: Runnable;
  abort: AbortController;
  running: Running;
}

/**
 * Starts components in order, each once the previous one is ready, and stops them in reverse order,
 * waiting a bounded time for each (a component that hangs cannot keep the process from exiting).
 */
export class RunGroup {
  readonly #o: RunGroupOptions;
  readonly #started: Started[] = [];
  readonly #stopping = new AbortController();

  constructor(options: RunGroupOptions) {
    this.#o = options;
  }

  /**
   * Starts `runnables` in order; resolves once the last is ready, or early once stop() is called
   * (the rest are never started). Rejects with the first component's failure to start.
   */
  async start(runnables: readonly Runnable[]): Promise<void> {
    for (const runnable of runnables) {
      if (this.#stopping.signal.aborted) return;
      const abort = new AbortController();
      const running = runnable.start(abort.signal);
      this.#started.push({ runnable, abort, running });
      const stopped = new Promise<void>((resolve) => {
        this.#stopping.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await Promise.race([running.ready, stopped]);
    }
  }

  /** Stops what was started, last first, giving each at most `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping.abort();
    for (const { runnable, abort, running } of this.#started.reverse()) {
      abort.abort(new Error('shutting down'));
      if (!(await this.#within(running.stopped, timeoutMs)))
        this.#o.onStopTimeout?.(runnable.name, timeoutMs);
    }
    this.#started.length = 0;
  }

  /** True when `promise` settled within `ms` (a rejection counts: the component is gone). */
  async #within(promise: Promise<void>, ms: number): Promise<boolean> {
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = this.#o.clock.setTimer(() => resolve(false), ms);
    });
    try {
      return await Promise.race([
        promise.then(
          () => true,
          () => true,
        ),
        timedOut,
      ]);
    } finally {
      timer?.cancel();
    }
  }
}
