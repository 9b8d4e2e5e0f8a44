import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';

/** One HTTP request to the Kubernetes API, labelled as client-go's `rest_client_requests_total`. */
export interface KubeRequest {
  /** `GET`, `PATCH`, ... */
  method: string;
  /** `host:port` of the API server. */
  host: string;
  /** The response's HTTP status, or `<error>` when none came (refused, reset, aborted, timed out). */
  code: string;
}

/**
 * An undici interceptor that reports every request through it exactly once: when its response's
 * status arrives (a watch counts then, however long its stream lasts) or, failing that, when it
 * fails. Interim 1xx responses are not final and do not count. Give it to PooledKubeConfig
 * (src/kube/), through which every Kubernetes request, API call or watch, passes.
 */
export function countKubeRequests(
  onRequest: (request: KubeRequest) => void,
): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    const origin = options.origin === undefined ? undefined : String(options.origin);
    const host = origin === undefined || !URL.canParse(origin) ? '' : new URL(origin).host;
    return dispatch(
      options,
      new ReportingHandler(handler, (code) => {
        onRequest({ method: options.method, host, code });
      }),
    );
  };
}

/** Passes every callback on to the wrapped handler, reporting the outcome on the first that decides it. */
class ReportingHandler implements Dispatcher.DispatchHandler {
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #report: (code: string) => void;
  #reported = false;

  constructor(handler: Dispatcher.DispatchHandler, report: (code: string) => void) {
    this.#handler = handler;
    this.#report = report;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    socket: Duplex,
  ): void {
    this.#once(String(statusCode));
    this.#handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode >= 200) this.#once(String(statusCode));
    this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.#once('<error>');
    this.#handler.onResponseError?.(controller, error);
  }

  onResponseStarted(): void {
    this.#handler.onResponseStarted?.();
  }

  onBodySent(chunk: Buffer): void {
    this.#handler.onBodySent?.(chunk);
  }

  onRequestSent(): void {
    this.#handler.onRequestSent?.();
  }

  #once(code: string): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#report(code);
  }
}
