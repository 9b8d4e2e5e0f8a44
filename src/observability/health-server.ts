import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

/**
 * The probe listener. Bodies follow kube-apiserver's /healthz format so operators read them the same
 * way: `ok` when every check passes; otherwise (or with `?verbose`) one `[+]name ok` or
 * `[-]name failed: reason` line per check, then a summary line, with 500 on failure.
 * The constructor starts nothing; `listen()` opens the port, `close()` closes it.
 */
export class HealthServer {
  readonly #server: Server;
  readonly #checks: Record<string, HealthCheck[]>;
  readonly #routes: Record<string, RouteHandler>;

  constructor(options: HealthServerOptions = {}) {
    this.#checks = { '/healthz': options.liveness ?? [], '/readyz': options.readiness ?? [] };
    this.#routes = options.routes ?? {};
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  /** Resolves with the URL once listening (port 0 picks a free port). */
  async listen(address: { host: string; port: number }): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(address.port, address.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.#server.address() as AddressInfo;
    return `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}`;
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
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
