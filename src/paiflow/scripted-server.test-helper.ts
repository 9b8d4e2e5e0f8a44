import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { PaiflowError } from './errors.ts';
import { authorizationHeader, parseAuthorization, sha256Hex, signaturesEqual } from './signing.ts';

/**
 * Test support (not a test): a loopback HTTP server on port 0 that answers each request with the next
 * step of a script and records what it received, for driving the real client over real HTTP.
 */

export interface RecordedRequest {
  method: string;
  /** Decoded path. */
  path: string;
  /** Path and query exactly as they came on the wire. */
  rawUrl: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request was complete. */
  receivedAt: number;
}

/** One scripted answer. It may leave the response unfinished (to simulate hangs and resets). */
export type Step = (res: ServerResponse, req: RecordedRequest) => void;

export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #steps: Step[];
  readonly #waiters: { count: number; resolve: () => void }[] = [];

  private constructor(steps: Step[]) {
    this.#steps = steps;
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: url.pathname
            .split('/')
            .map((segment) => decodeURIComponent(segment))
            .join('/'),
          rawUrl: req.url ?? '',
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: performance.now(),
        };
        // The last step repeats, so a script of one step answers every request the same way.
        const step = this.#steps[Math.min(this.requests.length, this.#steps.length - 1)];
        this.requests.push(recorded);
        for (const waiter of this.#waiters.filter((w) => this.requests.length >= w.count)) waiter.resolve();
        step?.(res, recorded);
      });
    });
  }

  static async start(...steps: Step[]): Promise<ScriptedServer> {
    const server = new ScriptedServer(steps);
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves once `count` requests have arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs = 2000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`expected ${count} requests within ${timeoutMs} ms, got ${this.requests.length}`));
      }, timeoutMs);
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }
}

/** Answers with a JSON body. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Step {
  return (res) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };
}

/** Alibaba's error body. */
export function apiError(
  status: number,
  code: string,
  headers: Record<string, string> = {},
  message = 'scripted',
): Step {
  return json(
    status,
    {
      RequestId: 'REQ-ERR',
      HostId: 'paiflow',
      Code: code,
      Message: message,
      Recommend: 'https://api.aliyun.com/troubleshoot',
    },
    headers,
  );
}

/** Never answers (the headers never come). */
export const hang: Step = () => undefined;

/** Sends headers and the start of the body, then resets the connection (TCP RST). */
export const resetMidResponse: Step = (res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"RequestId":"R","Status":[', () => res.socket?.resetAndDestroy());
};

/** Declares a length, sends less, and closes cleanly. */
export const truncatedBody: Step = (res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"RequestId":"R","Status":[', () => res.socket?.end());
};

/**
 * Verifies an ACS3-HMAC-SHA256 request the way a server would: recomputes the signature from what came
 * on the wire, and checks the body hash. Returns the signed header names.
 */
export function verifySignature(req: RecordedRequest, accessKeySecret: string): string[] {
  const auth = parseAuthorization(req.headers.authorization);
  if (auth === undefined) throw new Error('no valid Authorization header');
  const payloadHash = sha256Hex(req.body);
  if (req.headers['x-acs-content-sha256'] !== payloadHash)
    throw new Error('x-acs-content-sha256 does not match the body');
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) headers[name] = String(req.headers[name] ?? '');
  const expected = parseAuthorization(
    authorizationHeader(
      { method: req.method, path: req.path, query: req.query, headers, payloadHash },
      auth.accessKeyId,
      accessKeySecret,
    ),
  );
  if (expected === undefined || !signaturesEqual(expected.signature, auth.signature))
    throw new Error('signature does not match');
  return auth.signedHeaders;
}

/** Awaits a promise that must reject with a PaiflowError, and returns that error. */
export async function failureOf(promise: Promise<unknown>): Promise<PaiflowError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof PaiflowError)) throw new Error(`expected a PaiflowError, got ${inspect(err)}`);
  return err;
}
