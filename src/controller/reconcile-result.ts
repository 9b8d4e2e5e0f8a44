import type { Logger } from 'pino';
import { serverDelay } from '../util/delays.ts';

/**
 * What a reconcile asks of the queue, as controller-runtime's `Result`: nothing (the key is done
 * until something changes), or a planned requeue after `requeueAfterMs`. A planned requeue is not
 * a failure: it resets the key's failure backoff. Failures are thrown (see RetryableError).
 */
export interface Result {
  requeueAfterMs?: number;
}

/** What every reconcile receives. */
export interface ReconcileContext {
  /** Aborted on shutdown or when the reconcile times out; pass it to every I/O. */
  signal: AbortSignal;
  /** A child logger carrying controller, namespace, name and reconcileID. */
  log: Logger;
}

/** One key's reconcile. Must be safe to run again at any time (level-triggered). */
export interface Reconciler {
  reconcile(key: string, context: ReconcileContext): Promise<Result>;
}

/**
 * A failure worth retrying with the key's exponential backoff; `retryAfterMs`, when a server asked
 * for it, is a floor for the next attempt, held to MAX_SERVER_DELAY_MS whoever asked. Any other thrown value is retried the same way.
 */
export class RetryableError extends Error {
  readonly retryAfterMs: number | undefined;
  readonly reason: string;

  constructor(options: {
    message: string;
    reason: string;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.name = 'RetryableError';
    this.reason = options.reason;
    this.retryAfterMs = options.retryAfterMs === undefined ? undefined : serverDelay(options.retryAfterMs);
  }
}
