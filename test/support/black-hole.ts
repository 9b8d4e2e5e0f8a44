import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP server that accepts connections and never answers: the worst endpoint there is, one that
 * holds each request until the client's timeout (a firewall that drops replies, a stuck proxy).
 * `accepted` counts connections so a test can wait for requests to be held.
 */
export class BlackHole {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  accepted = 0;

  constructor() {
    this.#server = createServer((socket) => {
      this.accepted += 1;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      // Read and drop: a full receive buffer would make the client's writes block, not hang.
      socket.resume();
      socket.on('error', () => undefined);
    });
  }

  /** Starts listening on a free loopback port; resolves with its `http://127.0.0.1:<port>` origin. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('black hole: no TCP address');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Connections held open now. */
  get held(): number {
    return this.#sockets.size;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
