import { Watch, type KubeConfig } from '@kubernetes/client-node';

type WatchArguments = Parameters<Watch['watch']>;

/**
 * client-node's Watch, with an AbortController that works from the start.
 *
 * `Watch.watch()` hands its AbortController back only once the response headers have come, and
 * ListWatch keeps the one it got last. So a request still waiting for its headers (a silent server,
 * a stuck proxy) cannot be aborted: a watchdog that stops and restarts the informer leaves it
 * behind, and if its answer comes after all, ListWatch runs two watches and holds on to only one of
 * them (it cannot stop the other, and every change arrives twice).
 *
 * Here `watch()` resolves at once. Aborting its controller reports `done` (with the abort reason)
 * whatever the request's state, and nothing of that request is delivered afterwards; a request
 * aborted before its headers came is aborted as soon as they come (client-node's own request
 * timeout ends it otherwise). `done` is called exactly once per request.
 *
 * ListWatch passes its `doneHandler`, an async function whose rejection nobody would handle: it goes
 * to `onDoneError` instead. The objects of ADDED, MODIFIED and DELETED events pass through
 * `transform` (what the cache keeps) before they are handed over.
 */
export class AbortableWatch extends Watch {
  readonly #onDoneError: (error: unknown) => void;
  readonly #transform: (object: unknown) => unknown;

  constructor(
    config: KubeConfig,
    options: { onDoneError: (error: unknown) => void; transform?: (object: unknown) => unknown },
  ) {
    super(config);
    this.#onDoneError = options.onDoneError;
    this.#transform = options.transform ?? ((object) => object);
  }

  override watch(...[path, queryParams, callback, done]: WatchArguments): Promise<AbortController> {
    const outer = new AbortController();
    let finished = false;
    const finish = (error: unknown): void => {
      if (finished) return;
      finished = true;
      // Typed as returning void, but ListWatch's handler returns a promise.
      const result = (done as (error: unknown) => unknown)(error);
      if (result instanceof Promise) result.catch(this.#onDoneError);
    };
    outer.signal.addEventListener('abort', () => finish(outer.signal.reason), { once: true });
    super
      .watch(
        path,
        queryParams,
        (phase: string, object: unknown, watchObject?: unknown) => {
          if (finished) return;
          const changed = phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED';
          callback(phase, changed ? this.#transform(object) : object, watchObject);
        },
        finish,
      )
      .then((inner) => {
        if (outer.signal.aborted) inner.abort();
        else outer.signal.addEventListener('abort', () => inner.abort(), { once: true });
      }, finish);
    return Promise.resolve(outer);
  }
}
