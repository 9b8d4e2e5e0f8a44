import { ApiException } from '@kubernetes/client-node';
import { errorChain } from '../util/error-chain.ts';
import { serverDelay } from '../util/delays.ts';

/** What a failed Kubernetes API call means for the caller. */
export interface KubeErrorInfo {
  /** HTTP status, absent for network errors. */
  status?: number;
  /** The `metav1.Status` reason (`NotFound`, `Conflict`, `TooManyRequests`, ...), when the body had one. */
  reason?: string;
  /** Worth retrying with backoff: network errors, 408, 429, 5xx, 409 (after a re-read). */
  retryable: boolean;
  /** From a Retry-After header, when the server sent one; held to MAX_SERVER_DELAY_MS. */
  retryAfterMs?: number;
  /** A short description safe to log: never the response headers or a Secret's content. */
  summary: string;
}

/**
 * Classifies an error thrown by @kubernetes/client-node. Its ApiException message embeds the whole
 * body and every header (see docs/reference client-node.md), so callers log `summary`, never `message`.
 */
export function kubeErrorInfo(error: unknown): KubeErrorInfo {
  if (error instanceof ApiException) {
    const status = error.code;
    const { reason, message } = statusOf(error.body);
    const retryAfter = Number(error.headers['retry-after']);
    // A 403's message is what the operator needs: which user may not do which verb on which resource
    // where (`secrets "x" is forbidden: User "..." cannot get resource "secrets" ... in the namespace
    // "team-a"`). It names no object content, so it is safe to log; other messages may quote values.
    const detail = status === 403 && message !== undefined ? `: ${message}` : '';
    return {
      status,
      ...(reason !== undefined && { reason }),
      retryable: isRetryableStatus(status),
      ...(Number.isFinite(retryAfter) && retryAfter >= 0 && { retryAfterMs: serverDelay(retryAfter * 1000) }),
      summary: `Kubernetes API answered ${status}${reason === undefined ? '' : ` ${reason}`}${detail}`,
    };
  }
  const watchStatus = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof watchStatus === 'number') {
    // client-node's Watch rejects a non-200 answer with a plain Error carrying only `statusCode`.
    return {
      status: watchStatus,
      retryable: isRetryableStatus(watchStatus),
      summary: `Kubernetes API answered ${watchStatus} to a watch`,
    };
  }
  // Not an answer from the API server: a network or TLS failure, whose cause chain says which
  // (`connect ECONNREFUSED 10.0.0.1:443`, `self-signed certificate`); no headers or bodies in it.
  return { retryable: true, summary: `Kubernetes API unreachable: ${errorChain(error)}` };
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

/** The `metav1.Status` reason and message of an error body, where present. */
function statusOf(body: unknown): { reason?: string; message?: string } {
  if (typeof body !== 'string') return {};
  let parsed: { reason?: unknown; message?: unknown };
  try {
    parsed = JSON.parse(body) as { reason?: unknown; message?: unknown };
  } catch {
    return {};
  }
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const reason = text(parsed.reason);
  const message = text(parsed.message);
  return { ...(reason !== undefined && { reason }), ...(message !== undefined && { message }) };
}
