import { randomBytes } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import type { AccessCredentials } from './credentials.ts';
import { parseEndpoint } from './endpoint.ts';
import { adviceFor, cancelledError, PaiflowError, scrub } from './errors.ts';
import { errorFromResponse } from './response-error.ts';
import { authorizationForms, secretForms } from './secret-forms.ts';
import { acsDate, authorizationHeader, canonicalQueryString, canonicalUri, sha256Hex } from './signing.ts';
import { timerDelay } from '../util/delays.ts';

/** The PAIFlow API version every request names in `x-acs-version`. */
export const PAIFLOW_API_VERSION = '2021-02-02';

export interface TransportOptions {
  /** An origin such as `https://paiflow.cn-hangzhou.aliyuncs.com` (see parseEndpoint). */
  endpoint: string;
  /** Injected dispatcher, owned by the caller (not closed by close()). Default: an own keep-alive Agent. */
  dispatcher?: Dispatcher | undefined;
  /** Per attempt, covering connect, response headers and the whole body. */
  timeoutMs: number;
  /** A larger response body fails the attempt with code `ResponseTooLarge`. */
  maxResponseBytes: number;
  /** Epoch milliseconds, for `x-acs-date` and HTTP-date retry-after values. */
  now: () => number;
  userAgent: string;
}

export interface TransportRequest {
  /** The API action, sent as `x-acs-action`. */
  operation: string;
  method: 'GET' | 'PUT';
  /** Path segments, not encoded; each must pass {@link pathSegmentProblem}. */
  pathSegments: readonly string[];
  query?: Readonly<Record<string, string>>;
  /** Sent as `application/json`. */
  jsonBody?: unknown;
  /** Values besides the credentials to keep out of error messages (a TokenId). */
  secrets?: readonly string[];
}

export interface TransportResponse {
  httpStatus: number;
  body: string;
  /** For a 2xx body that is an error object after all (its retry-after counts then). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Why a value cannot be one path segment, or undefined when it can. A `/` would split the segment
 * (V3 signing encodes segments of an unencoded path, so an encoded slash cannot be signed), and `.`
 * and `..` are dot-segments that intermediaries resolve; either would make the request name a
 * different resource.
 */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === '') return 'empty';
  if (value.includes('/')) return "contains '/'";
  if (value === '.' || value === '..') return "is '.' or '..'";
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains control characters';
  return undefined;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * One signed HTTP exchange with PAIFlow (ACS3-HMAC-SHA256), no retries. Resolves with the body of a
 * 2xx response; rejects with a PaiflowError for everything else: an error response (classified by
 * code and status), a timeout, a network failure, an oversized body, or the caller's abort
 * (reason `Cancelled`, with in-flight I/O stopped).
 */
export class Transport {
  readonly #origin: URL;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #options: TransportOptions;
  #closed = false;

  constructor(options: TransportOptions) {
    this.#origin = parseEndpoint(options.endpoint);
    this.#options = options;
    this.#ownsDispatcher = options.dispatcher === undefined;
    // An Agent opens no connection until the first request; keep-alive reuses them across polls.
    this.#dispatcher =
      options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connect: { timeout: options.timeoutMs } });
  }

  async send(
    request: TransportRequest,
    credentials: AccessCredentials,
    signal?: AbortSignal,
  ): Promise<TransportResponse> {
    const { operation } = request;
    for (const segment of request.pathSegments) {
      const problem = pathSegmentProblem(segment);
      if (problem !== undefined) throw new TypeError(`expected a path segment, got one that ${problem}`);
    }
    // A function, so TypeScript does not assume `aborted` stays what it was at the first check.
    const callerAborted = (): boolean => signal?.aborted === true;
    if (callerAborted()) throw cancelledError(operation, signal?.reason);
    const secrets = [
      credentials.accessKeySecret,
      credentials.securityToken,
      ...(request.secrets ?? []),
    ].flatMap(secretForms);
    const timeout = new AbortController();
    const timer = setTimeout(() => {
      timeout.abort();
    }, timerDelay(this.#options.timeoutMs));
    const combined = signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]);
    try {
      const signed = this.#sign(request, credentials);
      // A server may quote back the header it checked; its signature is no business of a message.
      secrets.push(...authorizationForms(signed.authorization));
      const response = await this.#dispatcher.request({ ...signed.options, signal: combined });
      const body = await this.#readBody(response, operation);
      if (response.statusCode >= 200 && response.statusCode < 300)
        return { httpStatus: response.statusCode, body, headers: response.headers };
      throw errorFromResponse({
        operation,
        httpStatus: response.statusCode,
        body,
        headers: response.headers,
        nowMs: this.#options.now(),
        secrets,
      });
    } catch (err) {
      if (err instanceof PaiflowError) throw err;
      if (callerAborted()) throw cancelledError(operation, signal?.reason);
      throw this.#failure(operation, err, timeout.signal.aborted, secrets);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the own Agent and its connections; an injected dispatcher is left to its owner. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #sign(
    request: TransportRequest,
    credentials: AccessCredentials,
  ): { options: Dispatcher.RequestOptions; authorization: string } {
    const path = `/${request.pathSegments.join('/')}`;
    const query = request.query ?? {};
    const payload = request.jsonBody === undefined ? '' : JSON.stringify(request.jsonBody);
    const payloadHash = sha256Hex(payload);
    const headers: Record<string, string> = {
      host: this.#origin.host,
      'x-acs-action': request.operation,
      'x-acs-version': PAIFLOW_API_VERSION,
      'x-acs-date': acsDate(this.#options.now()),
      // Fresh per attempt: the server refuses a reused nonce (SignatureNonceUsed).
      'x-acs-signature-nonce': randomBytes(16).toString('hex'),
      'x-acs-content-sha256': payloadHash,
      accept: 'application/json',
      'user-agent': this.#options.userAgent,
    };
    if (payload !== '') headers['content-type'] = 'application/json';
    if (credentials.securityToken !== undefined) headers['x-acs-security-token'] = credentials.securityToken;
    headers.authorization = authorizationHeader(
      { method: request.method, path, query, headers, payloadHash },
      credentials.accessKeyId,
      credentials.accessKeySecret,
    );
    const queryString = canonicalQueryString(query);
    const options = {
      origin: this.#origin.origin,
      // The wire path is the canonical one, so the server's canonical form cannot differ from ours.
      path: canonicalUri(path) + (queryString === '' ? '' : `?${queryString}`),
      method: request.method,
      headers,
      body: payload === '' ? null : payload,
    };
    return { options, authorization: headers.authorization };
  }

  async #readBody(response: Dispatcher.ResponseData, operation: string): Promise<string> {
    const limit = this.#options.maxResponseBytes;
    const tooLarge = (): PaiflowError =>
      new PaiflowError({
        message: `PAIFlow ${operation} returned a response larger than ${limit} bytes; lower spec.depth so that fewer descendants come in one answer`,
        code: 'ResponseTooLarge',
        operation,
        kind: 'permanent',
        reason: 'BadResponse',
        httpStatus: response.statusCode,
      });
    const declared = Number(response.headers['content-length']);
    if (declared > limit) {
      response.body.destroy();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    // Leaving the loop early (by throwing) destroys the stream, so the rest is never read.
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #failure(
    operation: string,
    err: unknown,
    timedOut: boolean,
    secrets: readonly (string | undefined)[],
  ): PaiflowError {
    const code = (err as { code?: unknown } | undefined)?.code;
    const message = err instanceof Error ? err.message : String(err);
    const detail = scrub(
      typeof code !== 'string' || message.includes(code) ? message : `${code}: ${message}`,
      secrets,
    );
    const host = this.#origin.host;
    if (timedOut || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
      return new PaiflowError({
        message: `PAIFlow ${operation} to ${host} got no complete response within ${this.#options.timeoutMs} ms; ${adviceFor('Timeout', operation)}`,
        code: 'Timeout',
        operation,
        kind: 'transient',
        reason: 'Timeout',
        cause: err,
      });
    }
    return new PaiflowError({
      message: `PAIFlow ${operation} to ${host} failed on the network (${detail}); ${adviceFor('NetworkError', operation)}`,
      code: 'NetworkError',
      operation,
      kind: 'transient',
      reason: 'NetworkError',
      cause: err,
    });
  }
}
