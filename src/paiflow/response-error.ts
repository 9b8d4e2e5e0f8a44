import { adviceFor, classifyPaiflowError, PaiflowError, scrub } from './errors.ts';

/**
 * How long a response asks us to wait, from `x-acs-retry-after` (preferred) or HTTP `retry-after`.
 *
 * `x-acs-retry-after` is read as milliseconds. PAIFlow's reference leaves the unit open, but
 * Alibaba's own SDKs settle it: darabonba-openapi's Java client waits ~80 ms for `80`, and its C#
 * client reads `2000` as 2000 ms. Reading milliseconds is also the safe mistake: a value meant as
 * seconds makes us retry early (and back off again), whereas the reverse would stall for minutes.
 * HTTP `retry-after` follows RFC 9110: seconds, or an HTTP date counted from `nowMs`.
 * Anything else (negative, garbage) is ignored.
 */
export function parseRetryAfter(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  nowMs: number,
): number | undefined {
  const first = (name: string): string | undefined => {
    const raw = headers[name];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    return value === '' ? undefined : value;
  };
  const acs = first('x-acs-retry-after');
  if (acs !== undefined && /^\d+(\.\d+)?$/.test(acs)) return Math.ceil(Number(acs));
  const http = first('retry-after');
  if (http === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(http)) return Math.ceil(Number(http) * 1000);
  const date = Date.parse(http);
  return /[a-z]/i.test(http) && !Number.isNaN(date) ? Math.max(0, date - nowMs) : undefined;
}

export interface ErrorResponse {
  operation: string;
  httpStatus: number;
  /** The response body as text (may be empty, HTML from a proxy, or Alibaba's JSON error). */
  body: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  nowMs: number;
  /** Values to scrub from any server text quoted in the message (secret, token, TokenId). */
  secrets: readonly (string | undefined)[];
}

function stringField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The PaiflowError for a non-2xx response. Alibaba's error body is
 * `{RequestId, HostId, Code, Message, Recommend}`; a body that is not JSON (a proxy's error page)
 * still yields an error classified by HTTP status, with code `Http<status>`.
 */
export function errorFromResponse(response: ErrorResponse): PaiflowError {
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  const { operation, httpStatus, secrets } = response;
  // Everything quoted from the server is scrubbed: servers have been known to echo what they signed.
  const field = (from: unknown, name: string): string | undefined => {
    const value = stringField(from, name);
    return value === undefined ? undefined : scrub(value, secrets);
  };
  const code = field(body, 'Code') ?? `Http${httpStatus}`;
  const requestId = field(body, 'RequestId') ?? field(response.headers, 'x-acs-request-id');
  const serverMessage = field(body, 'Message');
  const { kind, reason } = classifyPaiflowError({ httpStatus, code });
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
    recommend: field(body, 'Recommend'),
    retryAfterMs: parseRetryAfter(response.headers, response.nowMs),
  });
}
