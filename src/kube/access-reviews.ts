import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

/** Who a token belongs to, as the API server's TokenReview says. */
export interface ReviewedUser {
  username: string;
  uid?: string | undefined;
  groups: readonly string[];
  extra?: Readonly<Record<string, readonly string[]>> | undefined;
}

export type TokenReviewOutcome =
  { authenticated: true; user: ReviewedUser } | { authenticated: false; reason: string };

export interface AccessReviewOutcome {
  allowed: boolean;
  /** The authorizer's reason, possibly empty. Safe to log: it names rules, not credentials. */
  reason: string;
}

/** A request on a non-resource URL, e.g. GET /metrics. */
export interface NonResourceRequest {
  /** The lower-case HTTP method: `get`, `head`, ... */
  verb: string;
  path: string;
}

/** The two questions a server that delegates authentication and authorization asks the API server. */
export interface AccessReviews {
  /** TokenReview: whom the bearer token authenticates, if anyone. Throws when the API server cannot answer. */
  reviewToken(token: string): Promise<TokenReviewOutcome>;
  /** SubjectAccessReview: may `user` do `request`. Throws when the API server cannot answer. */
  reviewAccess(user: ReviewedUser, request: NonResourceRequest): Promise<AccessReviewOutcome>;
}

/**
 * {@link AccessReviews} against the API server of `kubeConfig`, as kube-rbac-proxy and
 * controller-runtime's metrics filter do it. The identity of `kubeConfig` needs `create` on
 * `tokenreviews.authentication.k8s.io` and `subjectaccessreviews.authorization.k8s.io`. Tokens are
 * sent to the API server only, never kept or logged here.
 */
export class KubeAccessReviews implements AccessReviews {
  readonly #authentication: AuthenticationV1Api;
  readonly #authorization: AuthorizationV1Api;

  constructor(options: { kubeConfig: KubeConfig }) {
    this.#authentication = options.kubeConfig.makeApiClient(AuthenticationV1Api);
    this.#authorization = options.kubeConfig.makeApiClient(AuthorizationV1Api);
  }

  async reviewToken(token: string): Promise<TokenReviewOutcome> {
    // No audiences: the API server's own, as for a request to the API server itself.
    const review = await this.#authentication.createTokenReview({ body: { spec: { token } } });
    const status = review.status;
    if (status?.authenticated !== true || status.user?.username === undefined) {
      return { authenticated: false, reason: status?.error ?? 'the token authenticates nobody' };
    }
    const { username, uid, groups, extra } = status.user;
    return { authenticated: true, user: { username, uid, groups: groups ?? [], extra } };
  }

  async reviewAccess(user: ReviewedUser, request: NonResourceRequest): Promise<AccessReviewOutcome> {
    const review = await this.#authorization.createSubjectAccessReview({
      body: {
        spec: {
          user: user.username,
          uid: user.uid,
          groups: [...user.groups],
          extra:
            user.extra === undefined
              ? undefined
              : Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]])),
          nonResourceAttributes: { path: request.path, verb: request.verb },
        },
      },
    });
    const allowed = review.status?.allowed === true && review.status.denied !== true;
    return { allowed, reason: review.status?.reason ?? review.status?.evaluationError ?? '' };
  }
}
