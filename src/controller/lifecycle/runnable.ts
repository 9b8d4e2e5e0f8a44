/**
 * The lifecycle contract of everything the manager runs (servers, caches, the leader's work):
 * `start(signal)` begins and returns at once; `ready` resolves once the component serves (a server
 * listens, a cache has synced) and rejects when it cannot start; `stopped` resolves once it has
 * stopped, after `signal` aborted or by itself (leadership lost). A component is started once.
 */
export interface Runnable {
  /** For logs: `health-server`, `informer`, `leader-election`, ... */
  readonly name: string;
  start(signal: AbortSignal): Running;
}

export interface Running {
  readonly ready: Promise<void>;
  readonly stopped: Promise<void>;
}

/**
 * A Runnable from a pair of functions: `start` resolves when ready; `stop`, called once the signal
 * aborts, must also cut short a start still in progress (the informer's sync waits on it).
 * For components with their own start()/stop() methods (servers, the informer).
 */
export function runnable(
  name: string,
  start: (signal: AbortSignal) => Promise<void>,
  stop: () => Promise<void>,
): Runnable {
  return {
    name,
    start(signal) {
      const ready = start(signal);
      const stopped = new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          Promise.all([stop(), ready.catch(() => undefined)]).then(() => resolve(), reject);
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      return { ready, stopped };
    },
  };
}
