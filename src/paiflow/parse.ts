import { adviceFor, PaiflowError } from './errors.ts';
import { errorFromResponse } from './response-error.ts';
import type {
  GetPipelineRunResult,
  JsonValue,
  ListPipelineRunNodeStatusResult,
  ListPipelineRunsStatusResult,
  NodeStatus,
  PipelineRunStatus,
  RunNodeStatus,
  RuntimeInfo,
} from './types.ts';

/**
 * Parsers of PAIFlow success bodies. Lenient about every field PAIFlow is known or likely to vary
 * (timestamps, RuntimeInfo, unknown statuses, extra fields); strict only about the shape without
 * which the answer means nothing (an object, its arrays, node IDs). A body failing that is a
 * PaiflowError of kind `transient`, reason `BadResponse`: a proxy or a truncated body is the likely
 * cause, and the body itself is never quoted. A 2xx body that is Alibaba's error object instead of
 * the answer (a `Code` and none of the answer's fields) is that error, classified by its code.
 */

/** What the parsers know of the response besides its body. */
export interface ParseContext {
  /** @default 200 */
  httpStatus?: number;
  /** Values to scrub from server text quoted in an error (secret, token, TokenId). */
  secrets?: readonly (string | undefined)[];
  /** The response headers: a 2xx error object's retry-after is honoured like a 4xx's. @default none */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** Epoch milliseconds, for a retry-after given as an HTTP date. @default 0 */
  nowMs?: number;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badResponse(operation: string, what: string): PaiflowError {
  return new PaiflowError({
    message: `PAIFlow ${operation} returned an unexpected response (${what}); ${adviceFor('BadResponse', operation)}`,
    code: 'BadResponse',
    operation,
    kind: 'transient',
    reason: 'BadResponse',
  });
}

function parseObject(
  text: string,
  operation: string,
  answerFields: readonly string[],
  context: ParseContext,
): JsonObject {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badResponse(operation, 'the body is not JSON');
  }
  if (!isObject(body)) throw badResponse(operation, 'the body is not a JSON object');
  const errorCode = ['Code', 'code'].some((key) => Object.hasOwn(body, key));
  if (errorCode && !answerFields.some((key) => Object.hasOwn(body, key))) {
    throw errorFromResponse({
      operation,
      httpStatus: context.httpStatus ?? 200,
      body: text,
      headers: context.headers ?? {},
      nowMs: context.nowMs ?? 0,
      secrets: context.secrets ?? [],
    });
  }
  return body;
}

/** A trimmed non-empty string, or undefined. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function status(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : 'Unknown';
}

/** A Status that is present but not a string, as bounded JSON text; undefined otherwise. */
function malformedStatus(value: unknown): string | undefined {
  if (value === undefined || value === null || typeof value === 'string') return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'object') return typeof value;
  return nestsDeeperThan(value, MAX_RUNTIME_INFO_DEPTH)
    ? 'a deeply nested object'
    : JSON.stringify(value).slice(0, 64);
}

/**
 * The deepest RuntimeInfo decoded into a map. PAI's are flat key/value maps; a deeper one is kept as
 * its raw string, since walking (or re-encoding) thousands of levels would overflow the stack.
 */
const MAX_RUNTIME_INFO_DEPTH = 32;

/** True when `value` nests objects or arrays deeper than `limit`; iterative, so any depth is safe. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [item, depth] = top;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An ISO 8601 / RFC 3339 timestamp normalised to `toISOString()` form (UTC, milliseconds), or
 * undefined for anything missing, empty or not a real instant. A missing zone is read as UTC (PAIFlow
 * documents UTC). Instants at or before 1970-01-01 are placeholders (Go's zero time
 * `0001-01-01T00:00:00Z` among them), not times, and give undefined too.
 */
export function normalizeTimestamp(value: unknown): string | undefined {
  const match = typeof value === 'string' ? TIMESTAMP.exec(value.trim()) : null;
  if (!match) return undefined;
  const [
    ,
    year = '',
    month = '',
    day = '',
    hour = '',
    minute = '',
    second = '00',
    fraction = '',
    zone = 'Z',
  ] = match;
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (
    Number(month) < 1 ||
    Number(month) > 12 ||
    Number(day) < 1 ||
    Number(day) > daysInMonth ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    return undefined;
  }
  const millis = fraction.slice(1, 4).padEnd(3, '0');
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const epochMs = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${offset}`);
  return Number.isNaN(epochMs) || epochMs <= 0 ? undefined : new Date(epochMs).toISOString();
}

function decodeObject(candidate: string): Record<string, JsonValue> | undefined {
  try {
    const value: unknown = JSON.parse(candidate);
    return isObject(value) ? (value as Record<string, JsonValue>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * RuntimeInfo is a JSON map encoded as a string. The raw string is always kept verbatim; the map is
 * decoded when it is one. PAIFlow's own documentation shows the string escaped twice
 * (`{\"KEY\": \"value\"}`), so one level of escaping is undone when plain decoding fails.
 */
export function parseRuntimeInfo(value: unknown): RuntimeInfo {
  if (value === undefined || value === null) return { raw: '' };
  if (typeof value !== 'string') {
    // Not the documented type; keep it visible rather than drop it.
    const raw = JSON.stringify(value);
    return isObject(value) ? { parsed: value as Record<string, JsonValue>, raw } : { raw };
  }
  const trimmed = value.trim();
  let parsed = decodeObject(trimmed);
  if (parsed === undefined && trimmed.includes('\\"')) {
    const unescaped = decodeString(trimmed);
    if (unescaped !== undefined) parsed = decodeObject(unescaped.trim());
  }
  return parsed === undefined || nestsDeeperThan(parsed, MAX_RUNTIME_INFO_DEPTH)
    ? { raw: value }
    : { parsed, raw: value };
}

function decodeString(escaped: string): string | undefined {
  try {
    const value: unknown = JSON.parse(`"${escaped}"`);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseNode(value: unknown, operation: string, where: string): NodeStatus {
  if (!isObject(value)) throw badResponse(operation, `${where} is not an object`);
  const nodeId = text(value.NodeId);
  if (nodeId === undefined) throw badResponse(operation, `${where} has no NodeId`);
  const malformed = malformedStatus(value.Status);
  const node: NodeStatus = {
    nodeId,
    nodeName: typeof value.NodeName === 'string' ? value.NodeName : '',
    status: malformed ?? status(value.Status),
    runtimeInfo: parseRuntimeInfo(value.RuntimeInfo),
  };
  if (malformed !== undefined) node.statusMalformed = true;
  const startedAt = normalizeTimestamp(value.StartedAt);
  const finishedAt = normalizeTimestamp(value.FinishedAt);
  if (startedAt !== undefined) node.startedAt = startedAt;
  if (finishedAt !== undefined) node.finishedAt = finishedAt;
  return node;
}

function parseRun(value: unknown, operation: string, where: string): PipelineRunStatus {
  if (!isObject(value)) throw badResponse(operation, `${where} is not an object`);
  const pipelineRunId = text(value.PipelineRunId);
  if (pipelineRunId === undefined) throw badResponse(operation, `${where} has no PipelineRunId`);
  const run: PipelineRunStatus = { pipelineRunId, status: status(value.Status) };
  const optional = {
    nodeId: text(value.NodeId),
    name: typeof value.Name === 'string' && value.Name !== '' ? value.Name : undefined,
    startedAt: normalizeTimestamp(value.StartedAt),
    finishedAt: normalizeTimestamp(value.FinishedAt),
    message:
      typeof value.Message === 'string' && value.Message.trim() !== '' ? value.Message.trim() : undefined,
  };
  for (const [key, field] of Object.entries(optional)) {
    if (field !== undefined) run[key as keyof typeof optional] = field;
  }
  return run;
}

/** An array field; when optional, absent or null is empty. */
function arrayField(body: JsonObject, name: string, operation: string, required: boolean): unknown[] {
  const value = body[name];
  if ((value === undefined || value === null) && !required) return [];
  if (!Array.isArray(value)) throw badResponse(operation, `${name} is not an array`);
  return value;
}

function withRequestId<T extends object>(result: T, body: JsonObject): T & { requestId?: string } {
  const requestId = text(body.RequestId);
  return requestId === undefined ? result : { requestId, ...result };
}

export function parseListPipelineRunNodeStatus(
  body: string,
  context: ParseContext = {},
): ListPipelineRunNodeStatusResult {
  const operation = 'ListPipelineRunNodeStatus';
  const object = parseObject(body, operation, ['Status'], context);
  const nodes = arrayField(object, 'Status', operation, true).map((node, i) =>
    parseNode(node, operation, `Status[${i}]`),
  );
  return withRequestId({ nodes }, object);
}

export function parseGetPipelineRun(body: string, context: ParseContext = {}): GetPipelineRunResult {
  const operation = 'GetPipelineRun';
  const object = parseObject(body, operation, ['PipelineRunId'], context);
  return withRequestId(parseRun(object, operation, 'the body'), object);
}

export function parseListPipelineRunsStatus(
  body: string,
  context: ParseContext = {},
): ListPipelineRunsStatusResult {
  const operation = 'ListPipelineRunsStatus';
  const object = parseObject(body, operation, ['PipelineRuns', 'Nodes'], context);
  const pipelineRuns = arrayField(object, 'PipelineRuns', operation, false).map((run, i) =>
    parseRun(run, operation, `PipelineRuns[${i}]`),
  );
  const nodes = arrayField(object, 'Nodes', operation, false).map((value, i): RunNodeStatus => {
    const where = `Nodes[${i}]`;
    const node = parseNode(value, operation, where);
    const pipelineRunId = text((value as JsonObject).PipelineRunId);
    if (pipelineRunId === undefined) throw badResponse(operation, `${where} has no PipelineRunId`);
    const isDeleted = (value as JsonObject).IsDeleted;
    return { pipelineRunId, ...node, ...(typeof isDeleted === 'boolean' && { isDeleted }) };
  });
  return withRequestId({ pipelineRuns, nodes }, object);
}
