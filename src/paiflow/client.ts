import type { Dispatcher } from 'undici';
import type { CredentialsProvider } from './credentials.ts';
import { PaiflowError } from './errors.ts';
import {
  parseGetPipelineRun,
  parseListPipelineRunNodeStatus,
  parseListPipelineRunsStatus,
  type ParseContext,
} from './parse.ts';
import { resolveRetryOptions, withRetry, type RetryOptions } from './retry.ts';
import { secretForms } from './secret-forms.ts';
import { pathSegmentProblem, Transport, type TransportRequest } from './transport.ts';
import type {
  GetPipelineRunRequest,
  GetPipelineRunResult,
  ListPipelineRunNodeStatusRequest,
  ListPipelineRunNodeStatusResult,
  ListPipelineRunsStatusRequest,
  ListPipelineRunsStatusResult,
} from './types.ts';

/** One HTTP attempt, for metrics. Not reported: attempts the caller cancelled, credential failures. */
export interface AttemptEvent {
  operation: string;
  /** 1 for the first attempt of a call, 2 for its first retry, ... */
  attempt: number;
  /** Wall time of the exchange (request, response, parsing). */
  durationMs: number;
  outcome: 'success' | 'throttled' | 'transient' | 'permanent';
  /** Absent when no response came (timeout, network error). */
  httpStatus?: number;
  /** The error code (`Throttling.User`, `Timeout`, ...); absent on success. */
  code?: string;
}

export interface PaiflowClientOptions {
  /** An origin such as `regionalEndpoint('cn-hangzhou')`. The caller checks it against the allow-list. */
  endpoint: string;
  credentials: CredentialsProvider;
  /** Per attempt, covering connect, headers and body. @default 10000 */
  timeoutMs?: number;
  /** @default 4194304 (4 MiB) */
  maxResponseBytes?: number;
  /** Backoff for throttled and transient failures; see DEFAULT_RETRY_OPTIONS. */
  retry?: RetryOptions;
  /** An undici dispatcher to use instead of an own keep-alive Agent; its owner closes it. */
  dispatcher?: Dispatcher;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
  /** @default 'paiflow-controller' */
  userAgent?: string;
  /** Called after every attempt; must not throw. */
  onAttempt?: (event: AttemptEvent) => void;
}

export interface CallOptions {
  /** Aborting cancels in-flight I/O and pending retries; the call rejects with reason `Cancelled`. */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;
// Typed as plain strings: callers outside TypeScript can pass anything.
const NODE_TYPES: readonly string[] = ['Logical', 'Physical'];
const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

function invalid(operation: string, message: string): PaiflowError {
  return new PaiflowError({
    message,
    code: 'InvalidParameter',
    operation,
    kind: 'permanent',
    reason: 'InvalidParameter',
  });
}

/** Throws a PaiflowError (InvalidParameter) naming the field when an ID cannot be sent. Returns the ID. */
function requireId(operation: string, field: string, value: unknown): string {
  if (typeof value !== 'string')
    throw invalid(operation, `expected ${field} to be a string, got ${typeof value}`);
  const problem = value.trim() !== value ? 'has surrounding whitespace' : pathSegmentProblem(value);
  if (problem !== undefined)
    throw invalid(operation, `expected a valid ${field}, got ${JSON.stringify(value)} which ${problem}`);
  return value;
}

/** TokenId is a secret: its value never appears in a message. */
function requireToken(operation: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(operation, 'expected tokenId to be a non-empty string');
  return value.trim();
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`expected ${name} to be a positive number, got ${value}`);
  return value;
}

/**
 * The PAIFlow API client: signed requests over a shared keep-alive connection pool, bounded
 * responses, classified errors, and retries with backoff for throttled and transient failures.
 * It logs nothing and knows nothing of Kubernetes; callers observe it through `onAttempt` and the
 * PaiflowErrors it throws. The constructor starts nothing; call close() when done.
 */
export class PaiflowClient {
  readonly #transport: Transport;
  readonly #credentials: CredentialsProvider;
  readonly #retry: Required<RetryOptions>;
  readonly #onAttempt: ((event: AttemptEvent) => void) | undefined;
  readonly #now: () => number;
  #closed = false;

  constructor(options: PaiflowClientOptions) {
    this.#credentials = options.credentials;
    this.#retry = resolveRetryOptions(options.retry);
    this.#onAttempt = options.onAttempt;
    this.#now = options.now ?? Date.now;
    this.#transport = new Transport({
      endpoint: options.endpoint,
      dispatcher: options.dispatcher,
      timeoutMs: positive('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS),
      maxResponseBytes: positive('maxResponseBytes', options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES),
      now: this.#now,
      userAgent: options.userAgent ?? 'paiflow-controller',
    });
  }

  /** GET /api/v1/pipelineruns/{PipelineRunId}/nodes/{NodeId}/status: the node and its children down to depth. */
  async listPipelineRunNodeStatus(
    request: ListPipelineRunNodeStatusRequest,
    options: CallOptions = {},
  ): Promise<ListPipelineRunNodeStatusResult> {
    const operation = 'ListPipelineRunNodeStatus';
    const pipelineRunId = requireId(operation, 'pipelineRunId', request.pipelineRunId);
    const nodeId = requireId(operation, 'nodeId', request.nodeId);
    const query: Record<string, string> = {};
    if (request.depth !== undefined) {
      if (!Number.isInteger(request.depth) || request.depth < 1 || request.depth > 10) {
        throw invalid(
          operation,
          `expected depth to be an integer from 1 to 10, got ${String(request.depth)}`,
        );
      }
      query.Depth = String(request.depth);
    }
    if (request.type !== undefined) {
      if (!NODE_TYPES.includes(request.type)) {
        throw invalid(
          operation,
          `expected type to be Logical or Physical, got ${JSON.stringify(request.type)}`,
        );
      }
      query.Type = request.type;
    }
    const secrets: string[] = [];
    if (request.tokenId !== undefined) {
      query.TokenId = requireToken(operation, request.tokenId);
      secrets.push(query.TokenId);
    }
    return await this.#call(
      {
        operation,
        method: 'GET',
        pathSegments: ['api', 'v1', 'pipelineruns', pipelineRunId, 'nodes', nodeId, 'status'],
        query,
        secrets,
      },
      parseListPipelineRunNodeStatus,
      options,
    );
  }

  /** GET /api/v1/pipelineruns/{PipelineRunId}: the run's status and root node. */
  async getPipelineRun(
    request: GetPipelineRunRequest,
    options: CallOptions = {},
  ): Promise<GetPipelineRunResult> {
    const operation = 'GetPipelineRun';
    const pipelineRunId = requireId(operation, 'pipelineRunId', request.pipelineRunId);
    const query: Record<string, string> = {};
    if (request.tokenId !== undefined) query.TokenId = requireToken(operation, request.tokenId);
    return await this.#call(
      {
        operation,
        method: 'GET',
        pathSegments: ['api', 'v1', 'pipelineruns', pipelineRunId],
        query,
        secrets: Object.values(query),
      },
      parseGetPipelineRun,
      options,
    );
  }

  /** PUT /api/v1/pipelineruns: the status of many runs and nodes in one call (batch limit undocumented). */
  async listPipelineRunsStatus(
    request: ListPipelineRunsStatusRequest,
    options: CallOptions = {},
  ): Promise<ListPipelineRunsStatusResult> {
    const operation = 'ListPipelineRunsStatus';
    const nodes = (request.nodes ?? []).map((node, i) => ({
      PipelineRunId: requireId(operation, `nodes[${i}].pipelineRunId`, node.pipelineRunId),
      NodeId: requireId(operation, `nodes[${i}].nodeId`, node.nodeId),
    }));
    const pipelineRuns = (request.pipelineRuns ?? []).map((id, i) =>
      requireId(operation, `pipelineRuns[${i}]`, id),
    );
    if (nodes.length === 0 && pipelineRuns.length === 0) {
      throw invalid(operation, 'expected at least one entry in nodes or pipelineRuns, got none');
    }
    return await this.#call(
      {
        operation,
        method: 'PUT',
        pathSegments: ['api', 'v1', 'pipelineruns'],
        jsonBody: {
          ...(nodes.length > 0 ? { Nodes: nodes } : {}),
          ...(pipelineRuns.length > 0 ? { PipelineRuns: pipelineRuns } : {}),
        },
      },
      parseListPipelineRunsStatus,
      options,
    );
  }

  /** Closes the connection pool (unless the dispatcher was injected). Calls made afterwards fail. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#transport.close();
  }

  async #call<T>(
    request: TransportRequest,
    parse: (body: string, context: ParseContext) => T,
    { signal }: CallOptions,
  ): Promise<T> {
    const { operation } = request;
    if (this.#closed) {
      throw new PaiflowError({
        message: `PAIFlow ${operation} called after the client was closed`,
        code: 'ClientClosed',
        operation,
        kind: 'permanent',
        reason: 'Cancelled',
      });
    }
    return withRetry(
      operation,
      async (attempt) => {
        const credentials = await this.#credentials.getCredentials(signal);
        const started = performance.now();
        let httpStatus: number | undefined;
        try {
          const response = await this.#transport.send(request, credentials, signal);
          httpStatus = response.httpStatus;
          const result = parse(response.body, {
            httpStatus: response.httpStatus,
            headers: response.headers,
            nowMs: this.#now(),
            secrets: [
              credentials.accessKeySecret,
              credentials.securityToken,
              ...(request.secrets ?? []),
            ].flatMap(secretForms),
          });
          this.#report({ operation, attempt, started, outcome: 'success', httpStatus });
          return result;
        } catch (err) {
          if (err instanceof PaiflowError && err.reason !== 'Cancelled') {
            this.#report({
              operation,
              attempt,
              started,
              outcome: err.kind,
              httpStatus: err.httpStatus ?? httpStatus,
              code: err.code,
            });
          }
          throw err;
        }
      },
      this.#retry,
      signal,
    );
  }

  #report(
    attempt: Omit<AttemptEvent, 'durationMs' | 'httpStatus'> & {
      started: number;
      httpStatus: number | undefined;
    },
  ): void {
    const { started, httpStatus, ...event } = attempt;
    this.#onAttempt?.({
      ...event,
      durationMs: performance.now() - started,
      ...(httpStatus === undefined ? {} : { httpStatus }),
    });
  }
}
