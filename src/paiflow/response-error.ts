import { bodyExcerpt } from './body-excerpt.ts';
import { adviceFor, classifyPaiflowError, PaiflowError, scrub } from './errors.ts';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** A header's first value, trimmed, by case-insensitive name; undefined when absent or blank. */
function header(headers: Headers, name: string): string | undefined {
  const key = name in headers ? name : Object.keys(headers).find((k) => k.toLowerCase() === name);
  const raw = key === undefined ? undefined : headers[key];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value === '' ? undefined : value;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * `x-acs-retry-after` in milliseconds, or undefined when absent or not a number. PAIFlow's reference
 * leaves the unit open, but Alibaba's own SDKs settle it: darabonba-openapi's Java client waits
 * ~80 ms for `80`, and its C# client reads `2000` as 2000 ms. Reading milliseconds is also the safe
 * mistake: a value meant as seconds makes us retry early (and back off again), whereas the reverse
 * would stall for minutes.
 */
function parseAcsRetryAfter(headers: Headers): number | undefined {
  const acs = header(headers, 'x-acs-retry-after');
  return acs !== undefined && DECIMAL.test(acs) ? Math.ceil(Number(acs)) : undefined;
}

/**
 * How long a response asks us to wait, from `x-acs-retry-after` (preferred, see parseAcsRetryAfter)
 * or HTTP `retry-after`, which follows RFC 9110: seconds, or an HTTP date counted from `nowMs`.
 * Anything else (negative, garbage) is ignored.
 */
export function parseRetryAfter(headers: Headers, nowMs: number): number | undefined {
  const acs = parseAcsRetryAfter(headers);
  if (acs !== undefined) return acs;
  const http = header(headers, 'retry-after');
  if (http === undefined) return undefined;
  if (DECIMAL.test(http)) return Math.ceil(Number(http) * 1000);
  const date = Date.parse(http);
  return /[a-z]/i.test(http) && !Number.isNaN(date) ? Math.max(0, date - nowMs) : undefined;
}

export interface ErrorResponse {
  operation: string;
  httpStatus: number;
  /** The response body as text (may be empty, HTML from a proxy, or Alibaba's JSON error). */
  body: string;
  headers: Headers;
  nowMs: number;
  /** Values to scrub from any server text quoted in the message (secret, token, TokenId). */
  secrets: readonly (string | undefined)[];
}

/** How much of a body that is not Alibaba's JSON goes into the message. */
const MAX_EXCERPT = 200;

type JsonObject = Record<string, unknown>;

/** Alibaba's error object, or else the body as readable text. */
function readErrorBody(body: string): { fields: JsonObject } | { text: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { text: bodyExcerpt(body, MAX_EXCERPT) };
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    return { fields: parsed as JsonObject };
  }
  return { text: bodyExcerpt(typeof parsed === 'string' ? parsed : body, MAX_EXCERPT) };
}

/**
 * A field of Alibaba's error body under its documented PascalCase name or in camelCase (some
 * gateways and products answer `code`, `message`, `requestId`; darabonba-openapi reads both), as a
 * trimmed non-empty string; a number (some gateways send `"code": 503`) is read as its digits.
 */
function errorField(fields: JsonObject, name: string): string | undefined {
  for (const key of [name, name.charAt(0).toLowerCase() + name.slice(1)]) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}

/**
 * The PaiflowError for an error response: a non-2xx, or a 2xx whose body is an error object instead
 * of the answer. Alibaba's error body is `{RequestId, HostId, Code, Message, Recommend}`, read in
 * either case (see errorField). A body that is not JSON (a gateway's HTML page, plain text, nothing)
 * still yields an error classified by HTTP status, with code `Http<status>` and the first
 * 200 characters of its visible text as the server's message. Server text is scrubbed of `secrets`.
 */
export function errorFromResponse(response: ErrorResponse): PaiflowError {
  const { operation, httpStatus, secrets } = response;
  const read = readErrorBody(response.body);
  const fields = 'fields' in read ? read.fields : {};
  // Everything quoted from the server is scrubbed: servers have been known to echo what they signed.
  const field = (name: string): string | undefined => {
    const value = errorField(fields, name);
    return value === undefined ? undefined : scrub(value, secrets);
  };
  const code = field('Code') ?? `Http${httpStatus}`;
  const headerId = header(response.headers, 'x-acs-request-id');
  const requestId = field('RequestId') ?? (headerId === undefined ? undefined : scrub(headerId, secrets));
  const excerpt = 'text' in read && read.text !== '' ? scrub(read.text, secrets) : undefined;
  const serverMessage = field('Message') ?? excerpt;
  const { kind, reason } = classifyPaiflowError({
    httpStatus,
    code,
    acsRetryAfterMs: parseAcsRetryAfter(response.headers),
  });
  const said = serverMessage === undefined ? '' : `: ${serverMessage}`;
  const id = requestId === undefined ? '' : ` (RequestId ${requestId})`;
  return new PaiflowError({
    message: `PAIFlow ${operation} failed with ${code} (HTTP ${httpStatus})${said}; ${adviceFor(reason, operation)}${id}`,
    code,
    operation,
    kind,
    reason,
    httpStatus,
    requestId,
    recommend: field('Recommend'),
    retryAfterMs: parseRetryAfter(response.headers, response.nowMs),
  });
}
