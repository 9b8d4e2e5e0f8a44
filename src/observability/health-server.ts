import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One named check of /healthz or /readyz. `check` must be cheap and must not throw. */
export interface HealthCheck {
  name: string;
  check(): { ok: true } | { ok: false; message: string };
}

/** Extra GET routes on the same listener (e.g. /metrics), answered by their handler. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HealthServerOptions {
  /** /healthz: the process can do its job at all (a failing liveness check gets the pod restarted). */
  liveness?: HealthCheck[];
  /** /readyz: the controller is ready to serve (e.g. its cache has synced). */
  readiness?: HealthCheck[];
  routes?: Record<string, RouteHandler>;
}

/** A PEM certificate (chain) and key: serve HTTPS instead of HTTP. */
export interface ServingTls {
  cert: string;
  key: string;
}

/**
 * The probe listener. Bodies follow kube-apiserver's /healthz format so operators read them the same
 * way: `ok` when every check passes; otherwise (or with `?verbose`) one `[+]name ok` or
 * `[-]name failed: reason` line per check, then a summary line, with 500 on failure.
 * The constructor starts nothing; `listen()` opens the port (HTTPS when given a certificate),
 * `close()` closes it.
 */
export class HealthServer {
  #server: Server | undefined;
  readonly #checks: Record<string, HealthCheck[]>;
  readonly #routes: Record<string, RouteHandler>;

  constructor(options: HealthServerOptions = {}) {
    this.#checks = { '/healthz': options.liveness ?? [], '/readyz': options.readiness ?? [] };
    this.#routes = options.routes ?? {};
  }

  /** Resolves with the URL once listening (port 0 picks a free port). Call once. */
  async listen(address: { host: string; port: number }, tls?: ServingTls): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
    const server = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler);
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const scheme = tls === undefined ? 'http' : 'https';
    return `${scheme}://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server?.listening !== true) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://probe');
    const route = this.#routes[url.pathname];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (route) {
      await route(req, res);
      return;
    }
    const checks = this.#checks[url.pathname];
    if (!checks) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const results = checks.map((c) => ({ name: c.name, result: c.check() }));
    const failed = results.some(({ result }) => !result.ok);
    const probe = url.pathname.slice(1);
    const body =
      !failed && !url.searchParams.has('verbose')
        ? 'ok'
        : [
            ...results.map(({ name, result }) =>
              result.ok ? `[+]${name} ok` : `[-]${name} failed: ${result.message}`,
            ),
            failed ? `${probe} check failed` : `${probe} check passed`,
          ].join('\n');
    res.writeHead(failed ? 500 : 200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(`${body}\n`);
  }
}
