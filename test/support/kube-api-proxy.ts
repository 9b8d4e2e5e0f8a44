import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent, request } from 'node:https';
import type { Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** One request a client made through the proxy. */
export interface ProxiedRequest {
  method: string;
  path: string;
  /** Epoch ms when it arrived. */
  at: number;
  /** The API server's answer, once it came. */
  status?: number;
}

/**
 * A loopback HTTP front for the API server, one per client process: it forwards every request (watches
 * stream through) and records which it saw, so a test can count what each process wrote, which the
 * API server cannot tell apart when they share one ServiceAccount. `cut()` makes the API unreachable
 * for that client only: open connections are dropped and later requests are never answered.
 */
export class KubeApiProxy {
  readonly requests: ProxiedRequest[] = [];
  readonly #target: URL;
  readonly #agent: Agent;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #cut = false;

  constructor(options: { server: string; caPem: string }) {
    this.#target = new URL(options.server);
    this.#agent = new Agent({ ca: options.caPem, keepAlive: true });
  }

  /** Listens on 127.0.0.1; resolves with its URL. */
  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      this.#forward(req, res);
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Requests matching `method` and `path` so far. */
  count(method: RegExp, path: RegExp): number {
    return this.requests.filter((r) => method.test(r.method) && path.test(r.path)).length;
  }

  cut(): void {
    this.#cut = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    await new Promise<void>((resolve) => {
      if (this.#server === undefined) resolve();
      else this.#server.close(() => resolve());
    });
  }

  #forward(req: IncomingMessage, res: ServerResponse): void {
    // Cut: never answered, as behind a dead route; the client's own timeout has to notice.
    if (this.#cut) return;
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record: ProxiedRequest = { method, path, at: Date.now() };
    this.requests.push(record);
    const upstream = request(
      {
        host: this.#target.hostname,
        port: this.#target.port,
        method,
        path,
        headers: { ...req.headers, host: this.#target.host },
        agent: this.#agent,
      },
      (answer) => {
        record.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}

/** A kubeconfig file for `identity`'s bearer token through `proxyUrl` (plain HTTP on loopback). */
export function writeProxiedKubeconfig(path: string, proxyUrl: string, identity: KubeConfig): void {
  const token = identity.getCurrentUser()?.token;
  if (token === undefined) throw new Error('expected a token identity');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    // Plain HTTP on loopback: client-node only sends a token over it when told TLS is not wanted.
    clusters: [{ name: 'proxy', cluster: { server: proxyUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'controller', user: { token } }],
    contexts: [{ name: 'controller', context: { cluster: 'proxy', user: 'controller' } }],
    'current-context': 'controller',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
