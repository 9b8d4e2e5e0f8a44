import { inspect } from 'node:util';
import { cancelledError, classifyPaiflowError, isRetryable, PaiflowError, scrub } from './errors.ts';

describe('classifyPaiflowError', () => {
  test.each([
    {
      name: 'Throttling.User on 400',
      httpStatus: 400,
      code: 'Throttling.User',
      want: ['throttled', 'Throttled'],
    },
    {
      name: 'Throttling.Api on 503',
      httpStatus: 503,
      code: 'Throttling.Api',
      want: ['throttled', 'Throttled'],
    },
    { name: 'plain Throttling', httpStatus: 400, code: 'Throttling', want: ['throttled', 'Throttled'] },
    { name: 'HTTP 429 without a code', httpStatus: 429, code: undefined, want: ['throttled', 'Throttled'] },
    { name: '500 InternalError', httpStatus: 500, code: 'InternalError', want: ['transient', 'ServerError'] },
    {
      name: '503 ServiceUnavailable',
      httpStatus: 503,
      code: 'ServiceUnavailable',
      want: ['transient', 'ServerError'],
    },
    { name: '502 from a proxy', httpStatus: 502, code: undefined, want: ['transient', 'ServerError'] },
    {
      name: 'InternalError on a 400',
      httpStatus: 400,
      code: 'InternalError',
      want: ['transient', 'ServerError'],
    },
    {
      name: 'InvalidAccessKeyId.NotFound on 404',
      httpStatus: 404,
      code: 'InvalidAccessKeyId.NotFound',
      want: ['permanent', 'Unauthorized'],
    },
    {
      name: 'InvalidAccessKeyId.Inactive',
      httpStatus: 400,
      code: 'InvalidAccessKeyId.Inactive',
      want: ['permanent', 'Unauthorized'],
    },
    {
      name: 'IncompleteSignature',
      httpStatus: 400,
      code: 'IncompleteSignature',
      want: ['permanent', 'Unauthorized'],
    },
    {
      name: 'SignatureDoesNotMatch on 400',
      httpStatus: 400,
      code: 'SignatureDoesNotMatch',
      want: ['permanent', 'Unauthorized'],
    },
    {
      name: 'SignatureDoesNotMatch on 403',
      httpStatus: 403,
      code: 'SignatureDoesNotMatch',
      want: ['permanent', 'Unauthorized'],
    },
    {
      name: 'InvalidSecurityToken.Expired',
      httpStatus: 400,
      code: 'InvalidSecurityToken.Expired',
      want: ['permanent', 'Unauthorized'],
    },
    {
      name: 'MissingSecurityToken (an STS key sent without its token)',
      httpStatus: 400,
      code: 'MissingSecurityToken',
      want: ['permanent', 'Unauthorized'],
    },
    {
      name: 'InvalidTimeStamp.Expired',
      httpStatus: 400,
      code: 'InvalidTimeStamp.Expired',
      want: ['permanent', 'Unauthorized'],
    },
    {
      name: 'SignatureNonceUsed',
      httpStatus: 400,
      code: 'SignatureNonceUsed',
      want: ['permanent', 'Unauthorized'],
    },
    { name: 'HTTP 401', httpStatus: 401, code: undefined, want: ['permanent', 'Unauthorized'] },
    { name: 'Forbidden.RAM', httpStatus: 403, code: 'Forbidden.RAM', want: ['permanent', 'Forbidden'] },
    {
      name: 'Forbidden code on a 400',
      httpStatus: 400,
      code: 'Forbidden.NoPermission',
      want: ['permanent', 'Forbidden'],
    },
    {
      name: 'HTTP 403 with another code',
      httpStatus: 403,
      code: 'NoPermission',
      want: ['permanent', 'Forbidden'],
    },
    {
      name: 'HTTP 404, any code',
      httpStatus: 404,
      code: 'PipelineRunNotExist',
      want: ['permanent', 'NotFound'],
    },
    { name: 'HTTP 404, no code', httpStatus: 404, code: undefined, want: ['permanent', 'NotFound'] },
    {
      name: 'MissingParameter',
      httpStatus: 400,
      code: 'MissingParameter',
      want: ['permanent', 'InvalidParameter'],
    },
    {
      name: 'InvalidParameter.Depth',
      httpStatus: 400,
      code: 'InvalidParameter.Depth',
      want: ['permanent', 'InvalidParameter'],
    },
    { name: 'other 400', httpStatus: 400, code: 'Whatever', want: ['permanent', 'InvalidParameter'] },
    { name: 'other 4xx', httpStatus: 409, code: 'Conflict', want: ['permanent', 'InvalidParameter'] },
    { name: '408 from a proxy', httpStatus: 408, code: undefined, want: ['transient', 'Timeout'] },
    {
      name: 'a redirect (never followed)',
      httpStatus: 302,
      code: undefined,
      want: ['transient', 'BadResponse'],
    },
    {
      name: 'x-acs-retry-after on a 404: throttled whatever the code',
      httpStatus: 404,
      code: 'InvalidPipelineRunId.NotFound',
      acsRetryAfterMs: 50,
      want: ['throttled', 'Throttled'],
    },
    {
      name: 'x-acs-retry-after on a 200 is not throttling',
      httpStatus: 200,
      code: 'Weird',
      acsRetryAfterMs: 50,
      want: ['transient', 'BadResponse'],
    },
    { name: 'codes ignore case', httpStatus: 400, code: 'throttling.user', want: ['throttled', 'Throttled'] },
    {
      name: 'SecurityTokenExpired is Unauthorized',
      httpStatus: 400,
      code: 'SecurityTokenExpired',
      want: ['permanent', 'Unauthorized'],
    },
    { name: 'ServiceBusy at 400', httpStatus: 400, code: 'ServiceBusy', want: ['transient', 'ServerError'] },
  ] as { name: string; httpStatus: number; code?: string; acsRetryAfterMs?: number; want: string[] }[])(
    '$name',
    ({ httpStatus, code, acsRetryAfterMs, want }) => {
      const { kind, reason } = classifyPaiflowError({ httpStatus, code, acsRetryAfterMs });
      expect([kind, reason]).toEqual(want);
    },
  );
});

describe('PaiflowError', () => {
  const err = new PaiflowError({
    message: 'PAIFlow GetPipelineRun failed',
    code: 'Forbidden.RAM',
    operation: 'GetPipelineRun',
    kind: 'permanent',
    reason: 'Forbidden',
    httpStatus: 403,
    requestId: 'R-1',
    cause: new Error('inner'),
  });

  test('is an Error with a name, a code and a cause', () => {
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toBe('PaiflowError: PAIFlow GetPipelineRun failed');
    expect(err.cause).toEqual(new Error('inner'));
  });

  test('JSON shows the fields, not the cause', () => {
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'PaiflowError',
      message: 'PAIFlow GetPipelineRun failed',
      code: 'Forbidden.RAM',
      operation: 'GetPipelineRun',
      kind: 'permanent',
      reason: 'Forbidden',
      httpStatus: 403,
      requestId: 'R-1',
    });
  });

  test('util.inspect shows code and reason', () => {
    expect(inspect(err)).toContain("reason: 'Forbidden'");
  });
});

describe('isRetryable', () => {
  const make = (kind: 'throttled' | 'transient' | 'permanent'): PaiflowError =>
    new PaiflowError({ message: 'm', code: 'c', operation: 'o', kind, reason: 'ServerError' });

  test.each([
    { name: 'throttled', err: make('throttled'), want: true },
    { name: 'transient', err: make('transient'), want: true },
    { name: 'permanent', err: make('permanent'), want: false },
    { name: 'cancelled', err: cancelledError('GetPipelineRun'), want: false },
    { name: 'a plain Error', err: new Error('x'), want: false },
    { name: 'not an error', err: 'x', want: false },
  ])('$name', ({ err, want }) => {
    expect(isRetryable(err)).toBe(want);
  });
});

describe('scrub', () => {
  test.each([
    {
      name: 'secret values are replaced',
      text: 'signed with abc and abc',
      secrets: ['abc'],
      want: 'signed with [REDACTED] and [REDACTED]',
    },
    { name: 'undefined and empty secrets are ignored', text: 'a b', secrets: [undefined, ''], want: 'a b' },
    { name: 'control characters become spaces', text: 'GET\n/api\r\n\tx', secrets: [], want: 'GET /api x' },
    { name: 'long text is capped', text: 'x'.repeat(400), secrets: [], want: `${'x'.repeat(300)}...` },
  ])('$name', ({ text, secrets, want }) => {
    expect(scrub(text, secrets)).toBe(want);
  });
});
