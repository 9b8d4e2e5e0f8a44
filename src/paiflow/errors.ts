import { serverDelay } from '../util/delays.ts';

/**
 * The one error type of the PAIFlow client, and the one place that decides whether a failure is
 * retryable. Messages say what happened and what to do; they never carry credentials, tokens,
 * request headers or request URLs (a shared run's TokenId travels in the query string).
 */

/** How the caller should react: back off and retry (throttled, transient) or stop until something changes. */
export type PaiflowErrorKind = 'throttled' | 'transient' | 'permanent';

/** A stable CamelCase word for conditions, Events and metric labels. */
export type PaiflowErrorReason =
  | 'Throttled'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'InvalidParameter'
  | 'ServerError'
  | 'Timeout'
  | 'NetworkError'
  | 'BadResponse'
  | 'CredentialsNotFound'
  | 'Cancelled';

export interface PaiflowErrorOptions {
  message: string;
  /** Alibaba's `Code` (`Forbidden.RAM`, `Throttling.User`, ...) or ours (`Timeout`, `NetworkError`, ...). */
  code: string;
  /** The API action (`ListPipelineRunNodeStatus`, ...) or `GetCredentials`. */
  operation: string;
  kind: PaiflowErrorKind;
  reason: PaiflowErrorReason;
  httpStatus?: number | undefined;
  requestId?: string | undefined;
  /** Alibaba's diagnosis link from the error body. */
  recommend?: string | undefined;
  /** How long the server asked us to wait before trying again; held to MAX_SERVER_DELAY_MS. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class PaiflowError extends Error {
  override readonly name = 'PaiflowError';
  readonly code: string;
  readonly operation: string;
  readonly kind: PaiflowErrorKind;
  readonly reason: PaiflowErrorReason;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
  readonly recommend: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(options: PaiflowErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.operation = options.operation;
    this.kind = options.kind;
    this.reason = options.reason;
    this.httpStatus = options.httpStatus;
    this.requestId = options.requestId;
    this.recommend = options.recommend;
    this.retryAfterMs = options.retryAfterMs === undefined ? undefined : serverDelay(options.retryAfterMs);
  }

  /** Everything but `cause` and the stack: what a log line or an API response may show. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      code: this.code,
      operation: this.operation,
      kind: this.kind,
      reason: this.reason,
      httpStatus: this.httpStatus,
      requestId: this.requestId,
      recommend: this.recommend,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/** True for throttled and transient PaiflowErrors: the same request may succeed later. */
export function isRetryable(err: unknown): boolean {
  return err instanceof PaiflowError && err.kind !== 'permanent';
}

// Alibaba's codes for an STS token past its expiry: `InvalidSecurityToken.Expired` is the POP
// gateway's (Alibaba's "Public" error centre, which PAIFlow's gateway answers from);
// `SecurityTokenExpired` is OSS's; other spellings are accepted in case a product or proxy uses them.
const EXPIRED_TOKEN_CODE =
  /^(InvalidSecurityToken\.Expired?|SecurityToken\.?Expired|InvalidSecurityToken\.TokenExpired)$/i;

const UNAUTHORIZED_CODES = [
  /^InvalidAccessKeyId/i,
  /^IncompleteSignature$/i,
  /^SignatureDoesNotMatch$/i,
  /^InvalidSecurityToken/i,
  EXPIRED_TOKEN_CODE,
  /^MissingSecurityToken$/i,
  /^InvalidTimeStamp/i,
  /^SignatureNonceUsed$/i,
];

/** A busy or failing server: worth retrying whatever HTTP status comes with it (400 and 503 are seen). */
const TRANSIENT_CODE =
  /^(InternalError|ServiceUnavailable|SystemBusy|ServiceBusy|ServerBusy|ServiceTimeout)(\.|$)/i;

/**
 * True for a rejection of an expired STS security token: refreshing the credentials (re-reading the
 * Secret, asking the credential chain again) may fix it at once, unlike other Unauthorized errors.
 * Such an error keeps reason `Unauthorized`; its `code` is Alibaba's, verbatim.
 */
export function isExpiredSecurityToken(err: unknown): boolean {
  return err instanceof PaiflowError && EXPIRED_TOKEN_CODE.test(err.code);
}

const THROTTLED = { kind: 'throttled', reason: 'Throttled' } as const;

/**
 * Decides kind and reason of an error response from its HTTP status, Alibaba `Code` (matched
 * ignoring case) and `x-acs-retry-after`. The order matters:
 * 1. a 4xx or 5xx with a positive `x-acs-retry-after` is throttling whatever its code, as Alibaba's
 *    own SDKs decide (darabonba-openapi `main.tea`: any 400..599 response for which
 *    `getThrottlingTimeLeft(headers)` is set becomes a Throttling error before the code is read);
 * 2. throttling codes (`Throttling`, `Throttling.User`, `Throttling.Api`) whatever the status
 *    (products answer 400, 429 or 503), and HTTP 429;
 * 3. signature and token codes win over 403/404 (`SignatureDoesNotMatch` may come as 403,
 *    `InvalidAccessKeyId.NotFound` as 404);
 * 4. busy or failing server codes (`InternalError`, `ServiceUnavailable`, `SystemBusy`, ...) at any
 *    status, and any other 5xx, are transient;
 * 5. any other 4xx is permanent, its reason named by status or code.
 */
export function classifyPaiflowError(response: {
  httpStatus?: number | undefined;
  code?: string | undefined;
  /** The response's `x-acs-retry-after` in milliseconds, when it had one. */
  acsRetryAfterMs?: number | undefined;
}): {
  kind: PaiflowErrorKind;
  reason: PaiflowErrorReason;
} {
  const { httpStatus = 0, code = '', acsRetryAfterMs = 0 } = response;
  if (httpStatus >= 400 && httpStatus < 600 && acsRetryAfterMs > 0) return THROTTLED;
  if (/^Throttling/i.test(code) || httpStatus === 429) return THROTTLED;
  if (UNAUTHORIZED_CODES.some((pattern) => pattern.test(code)) || httpStatus === 401) {
    return { kind: 'permanent', reason: 'Unauthorized' };
  }
  if (httpStatus >= 500 || TRANSIENT_CODE.test(code)) return { kind: 'transient', reason: 'ServerError' };
  if (/^Forbidden/i.test(code) || httpStatus === 403) return { kind: 'permanent', reason: 'Forbidden' };
  if (httpStatus === 404 || /\.NotFound$/i.test(code)) return { kind: 'permanent', reason: 'NotFound' };
  if (httpStatus === 408) return { kind: 'transient', reason: 'Timeout' };
  if (httpStatus >= 400 || /^(MissingParameter|InvalidParameter)/i.test(code)) {
    return { kind: 'permanent', reason: 'InvalidParameter' };
  }
  // A 1xx/3xx (we follow no redirects) or a 2xx carrying an error: a proxy or a captive portal in the way.
  return { kind: 'transient', reason: 'BadResponse' };
}

/** What to do about each reason; `operation` names the RAM action to grant. */
export function adviceFor(reason: PaiflowErrorReason, operation: string): string {
  switch (reason) {
    case 'Throttled':
      return 'PAIFlow is throttling this Alibaba Cloud account (all its users and keys count together); retry later with backoff, and lower the polling rate or concurrency if it persists';
    case 'Unauthorized':
      return 'check the AccessKey ID and secret (and the STS security token, which expires), and that the clock is within 15 minutes of UTC';
    case 'Forbidden':
      return `check the RAM policy grants paiflow:${operation} to this identity`;
    case 'NotFound':
      return 'check the pipeline run ID and node ID exist in this region (and, for a shared run, that the share token is valid)';
    case 'InvalidParameter':
      return 'check the request parameters (IDs, depth, type)';
    case 'ServerError':
      return 'PAIFlow failed on its side; retry later with backoff';
    case 'Timeout':
      return 'check the endpoint is reachable from here, or raise the timeout';
    case 'NetworkError':
      return 'check the endpoint is reachable from here (DNS, network policy, proxy); retry later';
    case 'BadResponse':
      return 'a proxy in the way or a truncated response is the likely cause; retry later';
    case 'CredentialsNotFound':
      return 'provide credentials (a credentials Secret, or for the default chain: environment variables, RRSA/OIDC, a profile file or an ECS RAM role)';
    case 'Cancelled':
      return 'the caller cancelled the request';
  }
}

const MAX_SERVER_TEXT = 300;

/**
 * Replaces every occurrence of the given secret values with `[REDACTED]`, drops control characters
 * and caps the length: for text that came from elsewhere (a server's Message, a socket error) before
 * it goes into one of our messages. Servers have been known to echo the string they signed.
 */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length > 0) out = out.split(secret).join('[REDACTED]');
  }
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  out = out.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return out.length > MAX_SERVER_TEXT ? `${out.slice(0, MAX_SERVER_TEXT)}...` : out;
}

/** The error a caller's abort turns into, whatever was in flight. */
export function cancelledError(operation: string, cause?: unknown): PaiflowError {
  return new PaiflowError({
    message: `${operation} cancelled: ${adviceFor('Cancelled', operation)}`,
    code: 'Cancelled',
    operation,
    kind: 'permanent',
    reason: 'Cancelled',
    cause,
  });
}
