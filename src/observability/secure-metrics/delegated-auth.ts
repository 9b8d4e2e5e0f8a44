import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../clock/clock.ts';
import type { AccessReviews, AccessReviewOutcome, TokenReviewOutcome } from '../../kube/access-reviews.ts';
import type { RouteHandler } from '../health-server.ts';
import { DecisionCache } from './decision-cache.ts';

export interface DelegatedAuthOptions {
  reviews: AccessReviews;
  clock: Clock;
  /** How long a TokenReview's answer is reused. @default 60000 (controller-runtime's) */
  tokenTtlMs?: number;
  /** How long an allowing SubjectAccessReview is reused. @default 300000 (controller-runtime's) */
  allowTtlMs?: number;
  /** How long a denying SubjectAccessReview is reused. @default 30000 (controller-runtime's) */
  denyTtlMs?: number;
  /** Decisions kept per cache. @default 1024 */
  maxEntries?: number;
  /** Told when the API server could not answer (the scrape gets 500). Must not throw. */
  onError?: (error: unknown, stage: 'authentication' | 'authorization') => void;
}

/** What to answer a request: go ahead, or the status and text to refuse it with. */
export type AuthDecision = { allowed: true } | { allowed: false; status: 401 | 403 | 500; message: string };

/**
 * Authentication and authorization delegated to the Kubernetes API server, as controller-runtime's
 * `filters.WithAuthenticationAndAuthorization` and kube-rbac-proxy do: the request's bearer token
 * goes to a TokenReview; the user it names goes to a SubjectAccessReview for the non-resource URL
 * (the request's path, verb = its lower-case method). No token or an unknown one: 401; not
 * allowed: 403; the API server not answering: 500. Answers are cached (tokens by their SHA-256,
 * never the token itself) for the TTLs above. Nothing here logs a token.
 */
export class DelegatedAuth {
  readonly #reviews: AccessReviews;
  readonly #tokens: DecisionCache<TokenReviewOutcome>;
  readonly #access: DecisionCache<AccessReviewOutcome>;
  readonly #tokenTtlMs: number;
  readonly #allowTtlMs: number;
  readonly #denyTtlMs: number;
  readonly #onError: NonNullable<DelegatedAuthOptions['onError']>;

  constructor(options: DelegatedAuthOptions) {
    this.#reviews = options.reviews;
    const cacheOptions = { clock: options.clock, maxEntries: options.maxEntries ?? 1024 };
    this.#tokens = new DecisionCache(cacheOptions);
    this.#access = new DecisionCache(cacheOptions);
    this.#tokenTtlMs = options.tokenTtlMs ?? 60_000;
    this.#allowTtlMs = options.allowTtlMs ?? 300_000;
    this.#denyTtlMs = options.denyTtlMs ?? 30_000;
    this.#onError = options.onError ?? (() => undefined);
  }

  async decide(request: Pick<IncomingMessage, 'headers' | 'method' | 'url'>): Promise<AuthDecision> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) return { allowed: false, status: 401, message: 'Unauthorized' };
    let identity: TokenReviewOutcome;
    try {
      identity = await this.#tokens.get(
        createHash('sha256').update(token).digest('base64'),
        () => this.#reviews.reviewToken(token),
        () => this.#tokenTtlMs,
      );
    } catch (error) {
      this.#onError(error, 'authentication');
      return { allowed: false, status: 500, message: 'Authentication failed' };
    }
    if (!identity.authenticated) return { allowed: false, status: 401, message: 'Unauthorized' };
    const { user } = identity;
    const attributes = {
      verb: (request.method ?? 'GET').toLowerCase(),
      path: new URL(request.url ?? '/', 'http://x').pathname,
    };
    let access: AccessReviewOutcome;
    try {
      access = await this.#access.get(
        JSON.stringify([user.username, user.uid, user.groups, user.extra, attributes.verb, attributes.path]),
        () => this.#reviews.reviewAccess(user, attributes),
        (outcome) => (outcome.allowed ? this.#allowTtlMs : this.#denyTtlMs),
      );
    } catch (error) {
      this.#onError(error, 'authorization');
      return { allowed: false, status: 500, message: `Authorization for user ${user.username} failed` };
    }
    return access.allowed
      ? { allowed: true }
      : { allowed: false, status: 403, message: `Authorization denied for user ${user.username}` };
  }
}

/** `route`, answered only for requests `auth` allows. */
export function protectedRoute(route: RouteHandler, auth: DelegatedAuth): RouteHandler {
  return async (req, res) => {
    const decision = await auth.decide(req);
    if (decision.allowed) {
      await route(req, res);
      return;
    }
    res
      .writeHead(decision.status, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`${decision.message}\n`);
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
