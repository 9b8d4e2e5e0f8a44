import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccountThrottle, type ThrottleOptions } from './account-throttle.ts';
import { handleAdmin, type AdminTarget } from './admin-api.ts';
import { ApiError, apiErrors, errorBody } from './api-error.ts';
import {
  FaultBook,
  validateFaultSpec,
  type ActiveFault,
  type FaultKind,
  type FaultSpec,
} from './fault-book.ts';
import {
  BATCH_LIMIT,
  getPipelineRun,
  listPipelineRunNodeStatus,
  listPipelineRunsStatus,
  matchRoute,
  OPERATIONS,
  readBatch,
  type OperationContext,
  type Route,
} from './operations.ts';
import { RequestCounter, type RequestCounts } from './request-counts.ts';
import { RunBook } from './run-book.ts';
import { DEFAULT_SETTINGS, validateRuns, type Outcome, type RunSpec, type Scenario } from './scenario.ts';
import { ScenarioClock, type ClockMode } from './scenario-clock.ts';
import { SignatureVerifier, type AccessKey } from './signature-verifier.ts';
import { runViewAt } from './status-model.ts';

export const PAIFLOW_API_VERSION = '2021-02-02';

/** The subset of a pino logger the simulator writes to. */
export interface SimulatorLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface PaiflowSimulatorOptions {
  /** The keys that may sign requests (at least one). Unsigned API requests are never accepted. */
  accessKeys: readonly AccessKey[];
  /** The runs to play; default none (add them with putRuns). */
  scenario?: Scenario;
  /** Scenario time: `{kind:'wall', speed}` (default speed 1) or `{kind:'manual'}` for tests. */
  clock?: ClockMode;
  /** Wall clock, epoch ms (x-acs-date, nonces, throttling, timestamps). Default Date.now. */
  now?: () => number;
  /** Per-account throttling; default none. */
  throttle?: ThrottleOptions;
  /**
   * Entries per list a ListPipelineRunsStatus call may carry (400 InvalidParameter beyond); 0: the
   * action is not served (404 InvalidAction.NotFound). An integer >= 0. @default BATCH_LIMIT (100)
   */
  batchLimit?: number;
  /** Faults in force from the start (same as injectFault). */
  faults?: readonly FaultSpec[];
  logger?: SimulatorLogger;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP, as PAIFlow itself does. */
  tls?: { key: string; cert: string };
}

/** One run as the admin API lists it. */
export interface RunSummary {
  PipelineRunId: string;
  Name: string;
  Status: string;
  NodeId: string;
}

const ADMIN_PREFIX = '/_sim';

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function decodeSegments(rawPath: string): string[] {
  try {
    return rawPath.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    throw apiErrors.invalidParameter('path', `malformed percent-encoding in "${rawPath}".`);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The PAIFlow API simulator: serves ListPipelineRunNodeStatus, GetPipelineRun and
 * ListPipelineRunsStatus (see operations.ts) from a scenario (scenario.ts, status-model.ts), checking
 * V3 signatures (signature-verifier.ts), throttling per account (account-throttle.ts) and injecting
 * faults (fault-book.ts). An unsigned admin API lives under `/_sim/` (admin-api.ts); every admin
 * operation is also a method here.
 *
 * Lifecycle: the constructor starts nothing (the scenario clock's origin is the construction time);
 * `listen()` once, then `close()`, which also drops keep-alive connections and requests held by
 * `hang` or `latency` faults.
 */
export class PaiflowSimulator implements AdminTarget {
  readonly #clock: ScenarioClock;
  readonly #now: () => number;
  readonly #runs: RunBook;
  readonly #verifier: SignatureVerifier;
  readonly #throttle: AccountThrottle | undefined;
  readonly #throttleOptions: ThrottleOptions | undefined;
  readonly #faults = new FaultBook();
  readonly #counter = new RequestCounter();
  readonly #closing = new AbortController();
  readonly #logger: SimulatorLogger | undefined;
  readonly #batchLimit: number;
  readonly #tls: { key: string; cert: string } | undefined;
  #server: Server | undefined;
  #endpoint: string | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: PaiflowSimulatorOptions) {
    if (options.accessKeys.length === 0) throw new RangeError('accessKeys: expected at least one access key');
    this.#now = options.now ?? Date.now;
    this.#clock = new ScenarioClock({ mode: options.clock ?? { kind: 'wall', speed: 1 }, now: this.#now });
    this.#runs = new RunBook(options.scenario?.settings ?? DEFAULT_SETTINGS);
    for (const run of options.scenario?.runs ?? []) this.#runs.put(run, 0);
    this.#verifier = new SignatureVerifier({ accessKeys: options.accessKeys, now: this.#now });
    this.#throttleOptions = options.throttle;
    this.#throttle = options.throttle && new AccountThrottle({ ...options.throttle, now: this.#now });
    this.#logger = options.logger;
    this.#batchLimit = options.batchLimit ?? BATCH_LIMIT;
    if (!Number.isInteger(this.#batchLimit) || this.#batchLimit < 0)
      throw new RangeError(`batchLimit: expected an integer >= 0, got ${String(options.batchLimit)}`);
    this.#tls = options.tls;
    for (const fault of options.faults ?? []) this.injectFault(fault);
  }

  /** Starts serving; resolves to the endpoint URL, e.g. `http://127.0.0.1:43121`. */
  async listen(address: { host?: string; port?: number } = {}): Promise<string> {
    if (this.#server || this.#closing.signal.aborted)
      throw new Error('PaiflowSimulator: listen() may be called once');
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.#handle(req, res).catch((error: unknown) => {
        this.#logger?.warn({ err: error }, 'paiflow-sim: request handling failed');
        res.destroy();
      });
    };
    const tls = this.#tls;
    const server = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler);
    this.#server = server;
    const host = address.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    this.#endpoint = `${tls === undefined ? 'http' : 'https'}://${shown}:${port}`;
    return this.#endpoint;
  }

  /** The endpoint URL; throws before listen(). */
  get endpoint(): string {
    if (this.#endpoint === undefined) throw new Error('PaiflowSimulator: not listening; call listen() first');
    return this.#endpoint;
  }

  /** Stops serving and drops every connection, including held (hang/latency) requests. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing.abort();
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve, reject) => {
      server.close((error) => {
        if (error) reject(error);
        else resolve();
      });
      server.closeAllConnections();
    });
  }

  // --- runs -------------------------------------------------------------------------------------

  /**
   * Adds or replaces runs given in the scenario file's schema (one run or a list); their `startAfter`
   * counts from now. Throws ScenarioError naming every problem.
   */
  putRuns(runs: unknown): RunSpec[] {
    const specs = validateRuns(runs);
    const now = this.#clock.elapsedMs();
    for (const spec of specs) this.#runs.put(spec, now);
    return specs;
  }

  deleteRun(runId: string): boolean {
    return this.#runs.delete(runId);
  }

  /** From now on, the leaf node ends with `outcome` (e.g. `fail` = "make it fail now"). Throws NotFoundError. */
  setNodeOutcome(runId: string, nodeId: string, outcome: Outcome): void {
    this.#runs.intervene(runId, nodeId, outcome, this.#clock.elapsedMs());
  }

  runs(): RunSummary[] {
    const now = this.#clock.elapsedMs();
    return this.#runs.entries().map(({ spec, timeline }) => {
      const view = runViewAt(timeline, now);
      return {
        PipelineRunId: spec.id,
        Name: spec.name,
        Status: view.status,
        NodeId: view.started ? spec.rootNodeId : '',
      };
    });
  }

  // --- clock --------------------------------------------------------------------------------------

  get clockMode(): ClockMode {
    return this.#clock.mode;
  }

  scenarioTimeMs(): number {
    return this.#clock.elapsedMs();
  }

  /** Manual clock only (else ManualClockRequiredError). */
  advance(ms: number): void {
    this.#clock.advance(ms);
  }

  /** Manual clock only (else ManualClockRequiredError). */
  setTime(ms: number): void {
    this.#clock.setTime(ms);
  }

  // --- credentials ----------------------------------------------------------------------------------

  /** Requests signed with this STS key get `InvalidSecurityToken.Expired` from now on. */
  expireSecurityToken(accessKeyId: string): void {
    this.#verifier.expireSecurityToken(accessKeyId);
  }

  // --- faults and counts --------------------------------------------------------------------------

  injectFault(spec: FaultSpec): ActiveFault {
    return this.#faults.add(validateFaultSpec(spec, OPERATIONS));
  }

  /** Clears one fault by id, or all; returns how many were cleared. */
  clearFaults(id?: string): number {
    return this.#faults.clear(id);
  }

  faults(): ActiveFault[] {
    return this.#faults.list();
  }

  counts(): RequestCounts {
    return this.#counter.snapshot();
  }

  resetCounts(): void {
    this.#counter.reset();
  }

  // --- HTTP -----------------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const rawQuery = queryAt < 0 ? '' : rawUrl.slice(queryAt + 1);
    const body = await readBody(req);
    if (rawPath === ADMIN_PREFIX || rawPath.startsWith(`${ADMIN_PREFIX}/`)) {
      const answer = handleAdmin(this, req.method ?? 'GET', rawPath.slice(ADMIN_PREFIX.length), body);
      send(res, answer.status, answer.body, {});
      return;
    }
    await this.#serveApi(req, res, rawPath, rawQuery, body);
  }

  async #serveApi(
    req: IncomingMessage,
    res: ServerResponse,
    rawPath: string,
    rawQuery: string,
    body: Buffer,
  ): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const method = req.method ?? 'GET';
    let outcome = 'OK';
    let status = 200;
    let route: Route | undefined;
    try {
      const segments = decodeSegments(rawPath);
      route = matchRoute(method, segments);
      const batch = route?.operation === 'ListPipelineRunsStatus' ? readBatch(body) : undefined;
      const runIds = route?.runId
        ? [route.runId]
        : [...(batch?.runIds ?? []), ...(batch?.nodes.map((n) => n.runId) ?? [])];
      const nodes = route?.nodeId
        ? [`${route.runId ?? ''}/${route.nodeId}`]
        : (batch?.nodes.map((n) => `${n.runId}/${n.nodeId}`) ?? []);
      this.#counter.arrived({
        operation: route?.operation ?? 'unknown',
        runIds,
        nodes,
        accessKeyId: SignatureVerifier.presentedKeyId(req.headers),
      });
      if (!route) throw apiErrors.invalidAction(method, rawPath);

      const nodeType = new URLSearchParams(rawQuery).get('Type') ?? undefined;
      const { latencyMs, fault } = this.#faults.take(route.operation, runIds, nodeType);
      if (latencyMs > 0) {
        try {
          await sleep(latencyMs, undefined, { signal: this.#closing.signal });
        } catch {
          outcome = 'fault:latency';
          return; // closing: close() drops the connection
        }
      }
      if (fault && this.#applyConnectionFault(fault.kind, req, res, requestId)) {
        outcome = `fault:${fault.kind}`;
        return;
      }
      if (fault?.kind === 'internalError') throw apiErrors.internalError();
      if (fault?.kind === 'serviceUnavailable') throw apiErrors.serviceUnavailable();
      if (fault?.kind === 'throttling') throw this.#throttled(undefined);
      if (fault?.kind === 'forbidden') throw apiErrors.forbidden();

      checkActionAndVersion(req.headers, route.operation, method, rawPath);
      const key = this.#verifier.verify({
        method,
        pathSegments: segments,
        rawQuery,
        headers: req.headers,
        body,
      });
      const decision = this.#throttle?.take(key.account ?? key.accessKeyId);
      if (decision && !decision.allowed) throw this.#throttled(decision.retryAfterMs);

      const result = this.#operate(route, rawQuery, body);
      send(res, 200, { RequestId: requestId, ...result }, { 'x-acs-request-id': requestId });
    } catch (caught) {
      const error = caught instanceof ApiError ? caught : apiErrors.internalError();
      if (!(caught instanceof ApiError))
        this.#logger?.warn({ err: caught, requestId }, 'paiflow-sim: unexpected error');
      outcome = error.code;
      status = error.status;
      const hostId = headerValue(req.headers, 'host') ?? 'paiflow.simulator';
      send(res, error.status, errorBody(error, requestId, hostId), {
        'x-acs-request-id': requestId,
        ...error.headers,
      });
    } finally {
      this.#counter.answered(outcome);
      this.#logger?.info(
        { requestId, operation: route?.operation ?? 'unknown', status, outcome },
        'paiflow-sim: request',
      );
    }
  }

  #operate(route: Route, rawQuery: string, body: Buffer): Record<string, unknown> {
    const ctx: OperationContext = {
      runs: this.#runs,
      nowMs: this.#clock.elapsedMs(),
      timestamp: (ms) => new Date(Math.round(this.#clock.toWallMs(ms))).toISOString(),
      seconds: (ms) => Math.round(this.#clock.toWallDurationMs(ms) / 1000),
    };
    const query = Object.fromEntries(new URLSearchParams(rawQuery));
    switch (route.operation) {
      case 'ListPipelineRunNodeStatus':
        return listPipelineRunNodeStatus(ctx, route, query);
      case 'GetPipelineRun':
        return getPipelineRun(ctx, route, query);
      case 'ListPipelineRunsStatus':
        return listPipelineRunsStatus(ctx, body, this.#batchLimit);
    }
  }

  #throttled(retryAfterMs: number | undefined): ApiError {
    const setting = this.#throttleOptions?.retryAfter ?? 'auto';
    const value = setting === 'off' ? undefined : setting === 'auto' ? (retryAfterMs ?? 1000) : setting;
    const headers: Record<string, string> = value === undefined ? {} : { 'x-acs-retry-after': String(value) };
    return apiErrors.throttled(this.#throttleOptions?.status ?? 400, headers);
  }

  /** Performs a fault that is not an error answer; returns false for the error-answer kinds. */
  #applyConnectionFault(
    kind: FaultKind,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): boolean {
    switch (kind) {
      case 'reset':
        req.socket.resetAndDestroy();
        return true;
      case 'badGateway':
        res.writeHead(502, {
          'content-type': 'text/html',
          'content-length': Buffer.byteLength(BAD_GATEWAY_PAGE),
        });
        res.end(BAD_GATEWAY_PAGE);
        return true;
      case 'malformedJson':
        send(res, 200, `{"RequestId":"${requestId}","Status":[{"NodeId":`, { 'x-acs-request-id': requestId });
        return true;
      case 'truncatedBody': {
        const full = Buffer.from(
          JSON.stringify({ RequestId: requestId, Status: [], PipelineRuns: [], Nodes: [] }),
        );
        res.writeHead(200, {
          'content-type': 'application/json;charset=utf-8',
          'content-length': full.length,
        });
        res.write(full.subarray(0, Math.floor(full.length / 2)), () => req.socket.destroy());
        return true;
      }
      case 'hang':
        return true; // no answer: close() drops the connection
      case 'latency':
      case 'internalError':
      case 'serviceUnavailable':
      case 'throttling':
      case 'forbidden':
        return false;
    }
  }
}

function checkActionAndVersion(
  headers: IncomingHttpHeaders,
  operation: string,
  method: string,
  rawPath: string,
): void {
  const action = headerValue(headers, 'x-acs-action');
  if (action === undefined) throw apiErrors.missingParameter('x-acs-action');
  if (action !== operation) throw apiErrors.invalidAction(method, `${rawPath} (x-acs-action ${action})`);
  const version = headerValue(headers, 'x-acs-version');
  if (version === undefined) throw apiErrors.missingParameter('x-acs-version');
  if (version !== PAIFLOW_API_VERSION) throw apiErrors.invalidVersion(version);
}

/** What nginx answers when its upstream fails: no Alibaba body, no request ID. */
const BAD_GATEWAY_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
