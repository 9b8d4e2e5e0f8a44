import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock/clock.ts';
import { MAX_SERVER_DELAY_MS } from '../../util/delays.ts';
import {
  createPaiflowDispatcher,
  PaiflowClient,
  PaiflowError,
  type AttemptEvent,
  type CallOptions,
  type CredentialsProvider,
  type GetPipelineRunRequest,
  type GetPipelineRunResult,
  type ListPipelineRunNodeStatusRequest,
  type ListPipelineRunNodeStatusResult,
  type ListPipelineRunsStatusRequest,
  type ListPipelineRunsStatusResult,
  type PaiflowNetworkOptions,
  parseEndpoint,
} from '../../paiflow/index.ts';
import { cancelledError } from '../../paiflow/errors.ts';
import { ConcurrencyLimit, type Release } from './concurrency-limit.ts';
import { requestKey } from './request-key.ts';
import { SingleFlight } from './single-flight.ts';
import { checkRate, TokenBucket } from './token-bucket.ts';

/** Where a request goes and whose quota it uses. */
export interface PaiflowTarget {
  /** An origin such as `regionalEndpoint('cn-hangzhou')`, already checked against the allow-list. */
  endpoint: string;
  credentials: CredentialsProvider;
}

export interface PaiflowGatewayOptions {
  clock: Clock;
  /** Requests per second per credentials identity, sustained. */
  qps: number;
  /** Requests per credentials identity that may go at once after a quiet spell. An integer >= 1. */
  burst: number;
  /**
   * PAIFlow requests in flight at once per endpoint (origin), over all identities. An integer >= 1.
   * One credentials identity holds at most `maxConcurrentPerIdentity` of an endpoint's slots.
   */
  maxConcurrent: number;
  /**
   * Requests of one identity in flight at once at one endpoint: what is left of an endpoint's slots
   * serves the other identities there, however slow this one's answers. An integer >= 1.
   * @default half of maxConcurrent, rounded up
   */
  maxConcurrentPerIdentity?: number;
  /** Per request, covering connect, headers and body. @default 10000 */
  timeoutMs?: number;
  /** How long an identity pauses after a throttled answer without a retry-after. @default 1000 */
  throttlePauseMs?: number;
  /** The longest pause a server's retry-after can impose on an identity. @default 60000 */
  maxThrottlePauseMs?: number;
  /** Called after every HTTP attempt (see PaiflowClient); must not throw. */
  onAttempt?: (event: AttemptEvent) => void;
  /** Proxy and extra CAs for every PAIFlow request. @default direct, Node's default CAs */
  network?: PaiflowNetworkOptions;
}

/** How a call waits for its identity's quota. */
export interface GatewayCallOptions extends CallOptions {
  /**
   * Work a user is waiting for (a new resource, a spec edit, a reconcile request): it waits for a
   * token ahead of every routine call of the same identity. @default false
   */
  urgent?: boolean;
}

/** The quota of one credentials identity, shared by every endpoint. */
interface Account {
  bucket: TokenBucket;
}

/** One credentials identity at one endpoint. */
interface Flow {
  /** Its share of the endpoint's slots. */
  slots: ConcurrencyLimit;
  /** One request of the flow at a time between "wants to send" and "sends" (see #admit). */
  turn: ConcurrencyLimit;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_THROTTLE_PAUSE_MS = 1000;
const DEFAULT_MAX_THROTTLE_PAUSE_MS = MAX_SERVER_DELAY_MS;

/**
 * The one way the controller talks to PAIFlow: a rate limit per credentials identity, a concurrency
 * limit per endpoint and per identity at each endpoint, and single-flight for identical concurrent
 * requests.
 * Guarantee: over any window of `w` seconds, the requests sent for one identity never exceed
 * `burst + qps * w`.
 *
 * Decisions:
 * - One HTTP attempt per call: the client's retries are disabled (`retries: 0`). The controller's
 *   work queue already backs off per key on failure, and retries hidden in here would each need a
 *   token while holding a worker. A throttled answer pauses the identity's bucket until the server's
 *   retry-after (capped by `maxThrottlePauseMs`) and is thrown to the caller, which requeues the key
 *   no earlier than `retryAfterMs`.
 * - The bucket belongs to the identity, shared by every endpoint (region): Alibaba counts throttling
 *   per account, and whether per region too is not documented, so sharing is the safe reading.
 * - Fair share (issue 17): slots belong to endpoints, not to the process. A request holds one of its
 *   endpoint's `maxConcurrent` slots and one of its flow's (identity at that endpoint)
 *   `maxConcurrentPerIdentity`. A hung endpoint (accepts TCP, never answers) holds only its own slots
 *   until the timeout, so it slows only the resources that name it; a slow or hostile identity holds
 *   at most its share of an endpoint, so the others there always find a slot.
 * - A token is spent at the moment its request is sent, and only then; that is what makes the bound
 *   above exact. A flow's next request waits for a flow slot, then a token, then an endpoint slot
 *   (giving the token back when no slot is free and taking it again once one is), so an identity
 *   that is rate-limited or paused holds no endpoint slot from others, and each flow has at most one
 *   request queued for an endpoint slot, which shares an endpoint fairly between identities. An
 *   identity's request waiting for a hung endpoint holds no token and blocks none of its requests to
 *   other endpoints.
 * - Single-flight sits outermost: a caller that joins a request in flight takes no token and no slot.
 *   The key holds operation, endpoint, identity and parameters, with the TokenId as a hash.
 * - One undici dispatcher (an Agent, or a proxy agent: see createPaiflowDispatcher; keep-alive pools per origin, at most the allow-listed PAIFlow hosts) carries
 *   every request; the PaiflowClient for a call is made for the call, over that Agent, with the
 *   caller's credentials provider. Caching clients per identity would keep using a stale provider
 *   after a Secret's AccessKey secret changed under the same key ID.
 * - Buckets of identities, endpoints and flows not seen for a while are dropped (when a new one of
 *   their kind comes), but only at rest: full, not paused, nothing in flight, nobody waiting; a new
 *   one would be the same.
 *
 * The constructor starts nothing; close() ends it.
 */
export class PaiflowGateway {
  readonly #clock: Clock;
  readonly #qps: number;
  readonly #burst: number;
  readonly #timeoutMs: number;
  readonly #throttlePauseMs: number;
  readonly #maxThrottlePauseMs: number;
  readonly #onAttempt: ((event: AttemptEvent) => void) | undefined;
  readonly #maxConcurrent: number;
  readonly #maxConcurrentPerIdentity: number;
  readonly #accounts = new Map<string, Account>();
  /** Slots by endpoint origin. */
  readonly #endpoints = new Map<string, ConcurrencyLimit>();
  /** By endpoint origin and identity. */
  readonly #flows = new Map<string, Flow>();
  readonly #nodeStatus = new SingleFlight<ListPipelineRunNodeStatusResult>();
  readonly #pipelineRun = new SingleFlight<GetPipelineRunResult>();
  readonly #runsStatus = new SingleFlight<ListPipelineRunsStatusResult>();
  readonly #closing = new AbortController();
  readonly #agent: Dispatcher;
  #closed: Promise<void> | undefined;

  constructor(options: PaiflowGatewayOptions) {
    this.#clock = options.clock;
    this.#qps = options.qps;
    this.#burst = options.burst;
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.#throttlePauseMs = positive('throttlePauseMs', options.throttlePauseMs, DEFAULT_THROTTLE_PAUSE_MS);
    this.#maxThrottlePauseMs = positive(
      'maxThrottlePauseMs',
      options.maxThrottlePauseMs,
      DEFAULT_MAX_THROTTLE_PAUSE_MS,
    );
    this.#onAttempt = options.onAttempt;
    this.#maxConcurrent = slotCount('maxConcurrent', options.maxConcurrent);
    this.#maxConcurrentPerIdentity = slotCount(
      'maxConcurrentPerIdentity',
      options.maxConcurrentPerIdentity ?? Math.ceil(this.#maxConcurrent / 2),
    );
    checkRate(options);
    // An Agent opens no connection before the first request.
    this.#agent = createPaiflowDispatcher({ ...options.network, timeoutMs: this.#timeoutMs });
  }

  /** ListPipelineRunNodeStatus (see PaiflowClient); rejects with a PaiflowError. */
  listPipelineRunNodeStatus(
    target: PaiflowTarget,
    request: ListPipelineRunNodeStatusRequest,
    options: GatewayCallOptions = {},
  ): Promise<ListPipelineRunNodeStatusResult> {
    const { pipelineRunId, nodeId, depth, type, tokenId } = request;
    return this.#call(
      'ListPipelineRunNodeStatus',
      this.#nodeStatus,
      target,
      { pipelineRunId, nodeId, depth, type, tokenId },
      (client, signal) => client.listPipelineRunNodeStatus(request, { signal }),
      options,
    );
  }

  /** ListPipelineRunsStatus (see PaiflowClient): many nodes in one call; rejects with a PaiflowError. */
  listPipelineRunsStatus(
    target: PaiflowTarget,
    request: ListPipelineRunsStatusRequest,
    options: GatewayCallOptions = {},
  ): Promise<ListPipelineRunsStatusResult> {
    const nodes = (request.nodes ?? []).map((n) => `${n.pipelineRunId}/${n.nodeId}`).join(',');
    const runs = (request.pipelineRuns ?? []).join(',');
    return this.#call(
      'ListPipelineRunsStatus',
      this.#runsStatus,
      target,
      { nodes, runs },
      (client, signal) => client.listPipelineRunsStatus(request, { signal }),
      options,
    );
  }

  /** GetPipelineRun (see PaiflowClient); rejects with a PaiflowError. */
  getPipelineRun(
    target: PaiflowTarget,
    request: GetPipelineRunRequest,
    options: GatewayCallOptions = {},
  ): Promise<GetPipelineRunResult> {
    const { pipelineRunId, tokenId } = request;
    return this.#call(
      'GetPipelineRun',
      this.#pipelineRun,
      target,
      { pipelineRunId, tokenId },
      (client, signal) => client.getPipelineRun(request, { signal }),
      options,
    );
  }

  /**
   * Rejects every pending and later call (PaiflowError code `ClientClosed`, reason `Cancelled`),
   * aborting requests in flight, and closes the connections. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort();
      await this.#agent.close();
    })();
    return this.#closed;
  }

  async #call<T>(
    operation: string,
    flights: SingleFlight<T>,
    target: PaiflowTarget,
    params: Readonly<Record<string, string | number | undefined>>,
    send: (client: PaiflowClient, signal: AbortSignal) => Promise<T>,
    { signal, urgent = false }: GatewayCallOptions,
  ): Promise<T> {
    if (this.#closing.signal.aborted) throw closedError(operation);
    const key = requestKey({
      operation,
      endpoint: target.endpoint,
      identity: target.credentials.identity,
      params,
    });
    try {
      return await flights.run(
        key,
        (shared) => this.#attempt(operation, target, send, shared, urgent),
        signal,
      );
    } catch (err) {
      if (signal?.aborted === true && !(err instanceof PaiflowError)) throw cancelledError(operation, err);
      throw err;
    }
  }

  /** One HTTP attempt, admitted by the identity's bucket and the concurrency limits. */
  async #attempt<T>(
    operation: string,
    target: PaiflowTarget,
    send: (client: PaiflowClient, signal: AbortSignal) => Promise<T>,
    shared: AbortSignal,
    urgent: boolean,
  ): Promise<T> {
    const { identity } = target.credentials;
    const signal = AbortSignal.any([shared, this.#closing.signal]);
    try {
      const origin = parseEndpoint(target.endpoint).origin;
      const release = await this.#admit(origin, identity, signal, urgent);
      try {
        const client = new PaiflowClient({
          endpoint: target.endpoint,
          credentials: target.credentials,
          dispatcher: this.#agent,
          timeoutMs: this.#timeoutMs,
          retry: { retries: 0 },
          onAttempt: this.#onAttempt,
        });
        return await send(client, signal);
      } finally {
        release();
      }
    } catch (err) {
      if (this.#closing.signal.aborted) throw closedError(operation, err);
      if (err instanceof PaiflowError && err.kind === 'throttled') this.#penalize(identity, err.retryAfterMs);
      if (shared.aborted && !(err instanceof PaiflowError)) throw cancelledError(operation, err);
      throw err;
    }
  }

  /**
   * Waits for a flow slot, a token and an endpoint slot; the token is spent only together with an
   * endpoint slot (see the class comment). An urgent call takes its turn before every routine call
   * of the flow still waiting. Resolves with one Release for both slots.
   *
   * Accounts and endpoints are looked up at each use, never held across a wait in which they may be
   * at rest: one dropped at rest and made anew is the same, but a stale one held beside its
   * replacement would double the bound. (The flow is in use from the moment its turn is taken.)
   */
  #admit(origin: string, identity: string, signal: AbortSignal, urgent: boolean): Promise<Release> {
    const flow = this.#flow(origin, identity);
    return flow.turn.run(
      async () => {
        const own = await flow.slots.acquire(signal, urgent);
        try {
          for (;;) {
            const { bucket } = this.#account(identity);
            await bucket.take(signal);
            const endpoint = this.#endpoint(origin);
            const free = endpoint.tryAcquire();
            if (free !== undefined) return both(free, own);
            bucket.refund();
            const release = await endpoint.acquire(signal, urgent);
            // Fails only if the identity was penalized meanwhile: wait for the bucket again, holding no slot.
            if (this.#account(identity).bucket.tryTake()) return both(release, own);
            release();
          }
        } catch (error) {
          own();
          throw error;
        }
      },
      signal,
      urgent,
    );
  }

  #account(identity: string): Account {
    return lookUp(
      this.#accounts,
      identity,
      ({ bucket }) => bucket.atRest,
      () => ({ bucket: new TokenBucket({ clock: this.#clock, qps: this.#qps, burst: this.#burst }) }),
    );
  }

  #endpoint(origin: string): ConcurrencyLimit {
    return lookUp(
      this.#endpoints,
      origin,
      (slots) => slots.active === 0 && slots.pending === 0,
      () => new ConcurrencyLimit({ max: this.#maxConcurrent }),
    );
  }

  #flow(origin: string, identity: string): Flow {
    return lookUp(
      this.#flows,
      `${origin}\n${identity}`,
      ({ slots, turn }) => slots.active === 0 && slots.pending === 0 && turn.active === 0,
      () => ({
        slots: new ConcurrencyLimit({ max: this.#maxConcurrentPerIdentity }),
        turn: new ConcurrencyLimit({ max: 1 }),
      }),
    );
  }

  #penalize(identity: string, retryAfterMs: number | undefined): void {
    const pauseMs = Math.min(retryAfterMs ?? this.#throttlePauseMs, this.#maxThrottlePauseMs);
    // Looked up again: the account may have been dropped at rest while the request was in flight.
    this.#account(identity).bucket.penalize(this.#clock.now() + pauseMs);
  }
}

function closedError(operation: string, cause?: unknown): PaiflowError {
  return new PaiflowError({
    message: `PAIFlow ${operation} cancelled: the gateway was closed`,
    code: 'ClientClosed',
    operation,
    kind: 'permanent',
    reason: 'Cancelled',
    cause,
  });
}

/** `map`'s value for `key`, made when missing; making one first drops the others at rest. */
function lookUp<V>(map: Map<string, V>, key: string, atRest: (value: V) => boolean, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    for (const [other, v] of map) if (atRest(v)) map.delete(other);
    value = make();
    map.set(key, value);
  }
  return value;
}

function both(a: Release, b: Release): Release {
  return () => {
    a();
    b();
  };
}

function slotCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`expected ${name} to be an integer >= 1, got ${value}`);
  return value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`expected ${name} to be a positive number, got ${value}`);
  }
  return value;
}
