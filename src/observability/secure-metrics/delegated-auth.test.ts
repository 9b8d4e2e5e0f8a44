import { FakeClock } from '../../clock/fake-clock.ts';
import type {
  AccessReviewOutcome,
  AccessReviews,
  NonResourceRequest,
  ReviewedUser,
  TokenReviewOutcome,
} from '../../kube/access-reviews.ts';
import { DelegatedAuth } from './delegated-auth.ts';

/** Scripted reviews: known tokens, users allowed per path; counts the questions it is asked. */
class ScriptedReviews implements AccessReviews {
  readonly tokenCalls: string[] = [];
  readonly accessCalls: string[] = [];
  tokens = new Map<string, ReviewedUser>([
    ['prometheus-token', { username: 'system:serviceaccount:monitoring:prometheus', groups: ['g'] }],
    ['other-token', { username: 'system:serviceaccount:default:other', groups: [] }],
  ]);
  allowed = new Set(['system:serviceaccount:monitoring:prometheus get /metrics']);
  failing: 'token' | 'access' | undefined;

  reviewToken(token: string): Promise<TokenReviewOutcome> {
    this.tokenCalls.push(token);
    if (this.failing === 'token') return Promise.reject(new Error('API server unreachable'));
    const user = this.tokens.get(token);
    return Promise.resolve(
      user === undefined
        ? { authenticated: false, reason: 'invalid bearer token' }
        : { authenticated: true, user },
    );
  }

  reviewAccess(user: ReviewedUser, request: NonResourceRequest): Promise<AccessReviewOutcome> {
    const key = `${user.username} ${request.verb} ${request.path}`;
    this.accessCalls.push(key);
    if (this.failing === 'access') return Promise.reject(new Error('API server unreachable'));
    return Promise.resolve({ allowed: this.allowed.has(key), reason: '' });
  }
}

function scrape(token?: string, path = '/metrics', method = 'GET') {
  return { method, url: path, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } };
}

let clock: FakeClock;
let reviews: ScriptedReviews;
let auth: DelegatedAuth;
let errors: string[];

beforeEach(() => {
  clock = new FakeClock();
  reviews = new ScriptedReviews();
  errors = [];
  auth = new DelegatedAuth({ reviews, clock, onError: (_, stage) => errors.push(stage) });
});

describe('DelegatedAuth', () => {
  test.each([
    { name: 'no Authorization header', request: scrape(), want: { allowed: false, status: 401 } },
    {
      name: 'another scheme',
      request: { ...scrape(), headers: { authorization: 'Basic dTpw' } },
      want: { allowed: false, status: 401 },
    },
    { name: 'an unknown token', request: scrape('forged'), want: { allowed: false, status: 401 } },
    {
      name: 'a known user without the permission',
      request: scrape('other-token'),
      want: {
        allowed: false,
        status: 403,
        message: 'Authorization denied for user system:serviceaccount:default:other',
      },
    },
    { name: 'a user allowed GET /metrics', request: scrape('prometheus-token'), want: { allowed: true } },
    {
      name: 'the same user on another path',
      request: scrape('prometheus-token', '/metrics/extra?x=1'),
      want: { allowed: false, status: 403 },
    },
  ])('$name', async ({ request, want }) => {
    await expect(auth.decide(request)).resolves.toMatchObject(want);
  });

  test('asks with the lower-case method and the path without its query', async () => {
    await auth.decide(scrape('prometheus-token', '/metrics?name[]=up', 'HEAD'));
    expect(reviews.accessCalls).toEqual(['system:serviceaccount:monitoring:prometheus head /metrics']);
  });

  test('no token: the API server is not asked', async () => {
    await auth.decide(scrape());
    expect(reviews.tokenCalls).toEqual([]);
  });

  test('reuses a token review for a minute and an allow for five', async () => {
    for (let i = 0; i < 3; i++) await auth.decide(scrape('prometheus-token'));
    expect([reviews.tokenCalls.length, reviews.accessCalls.length]).toEqual([1, 1]);
    clock.advance(60_001);
    await auth.decide(scrape('prometheus-token'));
    expect([reviews.tokenCalls.length, reviews.accessCalls.length]).toEqual([2, 1]);
    clock.advance(240_000);
    await auth.decide(scrape('prometheus-token'));
    expect([reviews.tokenCalls.length, reviews.accessCalls.length]).toEqual([3, 2]);
  });

  test('reuses a deny for 30 s only: a new RoleBinding takes effect soon', async () => {
    await expect(auth.decide(scrape('other-token'))).resolves.toMatchObject({ status: 403 });
    reviews.allowed.add('system:serviceaccount:default:other get /metrics');
    await expect(auth.decide(scrape('other-token'))).resolves.toMatchObject({ status: 403 });
    clock.advance(30_001);
    await expect(auth.decide(scrape('other-token'))).resolves.toEqual({ allowed: true });
  });

  test('concurrent scrapes with one token cost one review of each kind', async () => {
    await Promise.all(Array.from({ length: 10 }, () => auth.decide(scrape('prometheus-token'))));
    expect([reviews.tokenCalls.length, reviews.accessCalls.length]).toEqual([1, 1]);
  });

  test.each([
    { failing: 'token' as const, message: 'Authentication failed', stage: 'authentication' },
    {
      failing: 'access' as const,
      message: 'Authorization for user system:serviceaccount:monitoring:prometheus failed',
      stage: 'authorization',
    },
  ])(
    'the API server failing the $failing review: 500, reported, not cached',
    async ({ failing, message, stage }) => {
      reviews.failing = failing;
      await expect(auth.decide(scrape('prometheus-token'))).resolves.toEqual({
        allowed: false,
        status: 500,
        message,
      });
      expect(errors).toEqual([stage]);
      reviews.failing = undefined;
      await expect(auth.decide(scrape('prometheus-token'))).resolves.toEqual({ allowed: true });
    },
  );

  test('keeps at most maxEntries decisions, dropping the oldest', async () => {
    auth = new DelegatedAuth({ reviews, clock, maxEntries: 1 });
    await auth.decide(scrape('prometheus-token'));
    await auth.decide(scrape('other-token'));
    await auth.decide(scrape('prometheus-token'));
    expect(reviews.tokenCalls).toEqual(['prometheus-token', 'other-token', 'prometheus-token']);
  });
});
