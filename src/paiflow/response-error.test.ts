import { isExpiredSecurityToken } from './errors.ts';
import { errorFromResponse, parseRetryAfter } from './response-error.ts';

const NOW = Date.UTC(2024, 0, 1, 0, 0, 0);

describe('parseRetryAfter', () => {
  test.each([
    { name: 'x-acs-retry-after: milliseconds', headers: { 'x-acs-retry-after': '80' }, want: 80 },
    { name: 'x-acs-retry-after large', headers: { 'x-acs-retry-after': '2000' }, want: 2000 },
    { name: 'x-acs-retry-after 0', headers: { 'x-acs-retry-after': '0' }, want: 0 },
    { name: 'x-acs-retry-after fractional: rounded up', headers: { 'x-acs-retry-after': '0.2' }, want: 1 },
    { name: 'x-acs-retry-after with spaces', headers: { 'x-acs-retry-after': ' 42 ' }, want: 42 },
    { name: 'retry-after: seconds', headers: { 'retry-after': '3' }, want: 3000 },
    { name: 'retry-after fractional seconds', headers: { 'retry-after': '0.25' }, want: 250 },
    {
      name: 'retry-after HTTP date',
      headers: { 'retry-after': 'Mon, 01 Jan 2024 00:00:05 GMT' },
      want: 5000,
    },
    { name: 'HTTP date in the past', headers: { 'retry-after': 'Sun, 31 Dec 2023 23:00:00 GMT' }, want: 0 },
    {
      name: 'x-acs-retry-after wins',
      headers: { 'x-acs-retry-after': '100', 'retry-after': '9' },
      want: 100,
    },
    {
      name: 'garbage ignored, next header used',
      headers: { 'x-acs-retry-after': 'soon', 'retry-after': '4' },
      want: 4000,
    },
    {
      name: 'negative ignored',
      headers: { 'x-acs-retry-after': '-5', 'retry-after': '-1' },
      want: undefined,
    },
    {
      name: 'a date in x-acs-retry-after is not read',
      headers: { 'x-acs-retry-after': 'Mon, 01 Jan 2024 00:00:05 GMT' },
      want: undefined,
    },
    { name: 'a bare date is not an HTTP date', headers: { 'retry-after': '2024-01-01' }, want: undefined },
    { name: 'empty', headers: { 'retry-after': ' ' }, want: undefined },
    { name: 'absent', headers: {}, want: undefined },
    { name: 'repeated header: first value', headers: { 'retry-after': ['2', '9'] }, want: 2000 },
  ])('$name', ({ headers, want }) => {
    expect(parseRetryAfter(headers, NOW)).toBe(want);
  });
});

describe('errorFromResponse', () => {
  const base = { operation: 'ListPipelineRunNodeStatus', headers: {}, nowMs: NOW, secrets: [] };

  test('Alibaba error body: code, request ID, message, advice, recommend', () => {
    const err = errorFromResponse({
      ...base,
      httpStatus: 403,
      body: JSON.stringify({
        RequestId: ' R-1\n',
        Code: 'Forbidden.RAM',
        Message: 'User not authorized to operate on the specified resource.',
        Recommend: 'https://api.aliyun.com/troubleshoot?q=Forbidden.RAM',
      }),
    });
    expect(err).toMatchObject({
      code: 'Forbidden.RAM',
      kind: 'permanent',
      reason: 'Forbidden',
      httpStatus: 403,
      requestId: 'R-1',
      recommend: 'https://api.aliyun.com/troubleshoot?q=Forbidden.RAM',
      operation: 'ListPipelineRunNodeStatus',
    });
    expect(err.message).toBe(
      'PAIFlow ListPipelineRunNodeStatus failed with Forbidden.RAM (HTTP 403): User not authorized to operate on the specified resource.; ' +
        'check the RAM policy grants paiflow:ListPipelineRunNodeStatus to this identity (RequestId R-1)',
    );
  });

  test('a proxy page: classified by status, code Http<status>, request ID from the header', () => {
    const err = errorFromResponse({
      ...base,
      httpStatus: 502,
      body: '<html>Bad Gateway</html>',
      headers: { 'x-acs-request-id': 'H-1' },
    });
    expect(err).toMatchObject({
      code: 'Http502',
      kind: 'transient',
      reason: 'ServerError',
      requestId: 'H-1',
    });
    expect(err.message).not.toContain('<html>');
  });

  test('throttling carries retry-after', () => {
    const err = errorFromResponse({
      ...base,
      httpStatus: 400,
      body: JSON.stringify({ Code: 'Throttling.User' }),
      headers: { 'x-acs-retry-after': '2000' },
    });
    expect(err).toMatchObject({ kind: 'throttled', reason: 'Throttled', retryAfterMs: 2000 });
    expect(err.message).toContain('throttling this Alibaba Cloud account');
  });

  test('server text echoing secrets is scrubbed everywhere', () => {
    const err = errorFromResponse({
      ...base,
      httpStatus: 400,
      body: JSON.stringify({
        Code: 'SignatureDoesNotMatch',
        Message: 'server string to sign is: GET\n/api/v1?TokenId=share-token-123 with key s3cr3t',
        Recommend: 'https://x/?t=share-token-123',
        RequestId: 's3cr3t',
      }),
      secrets: ['share-token-123', 's3cr3t', undefined],
    });
    const all = `${err.message} ${JSON.stringify(err)}`;
    expect(all).not.toContain('share-token-123');
    expect(all).not.toContain('s3cr3t');
    expect(err.message).toContain('[REDACTED]');
  });
});

describe('errorFromResponse over real-world shaped responses', () => {
  const NGINX_502 =
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
  const TENGINE_404 =
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN"><html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><p>The requested URL was not found on this server.</p><hr/>Powered by Tengine</body></html>';
  const SCRIPTED_PAGE = `<html><head><style>body{color:red}</style><script>var token="never-shown";</script></head><body><!-- debug: s3cr3t --><p>Service&nbsp;temporarily unavailable &amp; retrying</p>${'<div>padding</div>'.repeat(200_000)}</body></html>`;
  const json = (value: unknown): string => JSON.stringify(value);

  test.each([
    {
      name: 'PascalCase Forbidden.RAM',
      status: 403,
      body: json({
        RequestId: 'R-1',
        HostId: 'paiflow.cn-hangzhou.aliyuncs.com',
        Code: 'Forbidden.RAM',
        Message: 'User not authorized to operate on the specified resource.',
        Recommend: 'https://api.aliyun.com/troubleshoot?q=Forbidden.RAM',
      }),
      want: {
        code: 'Forbidden.RAM',
        kind: 'permanent',
        reason: 'Forbidden',
        requestId: 'R-1',
        recommend: 'https://api.aliyun.com/troubleshoot?q=Forbidden.RAM',
      },
      says: 'User not authorized',
    },
    {
      name: 'lower-case keys',
      status: 403,
      body: json({
        requestId: 'r-2',
        code: 'Forbidden.RAM',
        message: 'no permission',
        recommend: 'https://x/r',
      }),
      want: {
        code: 'Forbidden.RAM',
        kind: 'permanent',
        reason: 'Forbidden',
        requestId: 'r-2',
        recommend: 'https://x/r',
      },
      says: 'no permission',
    },
    {
      name: 'HTML 502 from an nginx gateway',
      status: 502,
      body: NGINX_502,
      want: { code: 'Http502', kind: 'transient', reason: 'ServerError' },
      says: ': 502 Bad Gateway 502 Bad Gateway nginx;',
    },
    {
      name: 'HTML 404 from a Tengine proxy',
      status: 404,
      body: TENGINE_404,
      want: { code: 'Http404', kind: 'permanent', reason: 'NotFound' },
      says: '404 Not Found 404 Not Found The requested URL was not found on this server. Powered by Tengine',
    },
    {
      name: 'plain-text 504 from an envoy gateway',
      status: 504,
      body: 'upstream request timeout',
      want: { code: 'Http504', kind: 'transient', reason: 'ServerError' },
      says: ': upstream request timeout;',
    },
    {
      name: 'empty 503',
      status: 503,
      body: '',
      want: { code: 'Http503', kind: 'transient', reason: 'ServerError' },
      says: 'failed with Http503 (HTTP 503); PAIFlow failed on its side',
    },
    {
      name: '400 with x-acs-retry-after and a code that is not throttling',
      status: 400,
      headers: { 'x-acs-retry-after': '1500' },
      body: json({ Code: 'InvalidParameter', Message: 'busy, come back later' }),
      want: { code: 'InvalidParameter', kind: 'throttled', reason: 'Throttled', retryAfterMs: 1500 },
    },
    {
      name: '403 with x-acs-retry-after: throttling whatever the code',
      status: 403,
      headers: { 'x-acs-retry-after': '100' },
      body: json({ Code: 'Forbidden.RAM' }),
      want: { code: 'Forbidden.RAM', kind: 'throttled', reason: 'Throttled', retryAfterMs: 100 },
    },
    {
      name: 'empty 503 with x-acs-retry-after',
      status: 503,
      headers: { 'x-acs-retry-after': '2000' },
      body: '',
      want: { code: 'Http503', kind: 'throttled', reason: 'Throttled', retryAfterMs: 2000 },
    },
    {
      name: 'x-acs-retry-after 0 is no throttling time (as in the SDKs)',
      status: 400,
      headers: { 'x-acs-retry-after': '0' },
      body: json({ Code: 'InvalidParameter' }),
      want: { code: 'InvalidParameter', kind: 'permanent', reason: 'InvalidParameter', retryAfterMs: 0 },
    },
    {
      name: 'Throttling.User at 400 without a header',
      status: 400,
      body: json({ Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' }),
      want: { code: 'Throttling.User', kind: 'throttled', reason: 'Throttled' },
    },
    {
      name: 'Throttling.Api at 400',
      status: 400,
      body: json({ Code: 'Throttling.Api', Message: 'Request was denied due to api flow control.' }),
      want: { code: 'Throttling.Api', kind: 'throttled', reason: 'Throttled' },
    },
    {
      name: 'plain Throttling at 503, lower-case keys',
      status: 503,
      body: json({ code: 'Throttling', message: 'Request was denied due to flow control.' }),
      want: { code: 'Throttling', kind: 'throttled', reason: 'Throttled' },
    },
    {
      name: '429 with an HTTP Retry-After in seconds, header name capitalised',
      status: 429,
      headers: { 'Retry-After': '3' },
      body: '',
      want: { code: 'Http429', kind: 'throttled', reason: 'Throttled', retryAfterMs: 3000 },
    },
    {
      name: 'ServiceUnavailable at 503',
      status: 503,
      body: json({
        Code: 'ServiceUnavailable',
        Message: 'The request has failed due to a temporary failure of the server.',
      }),
      want: { code: 'ServiceUnavailable', kind: 'transient', reason: 'ServerError' },
    },
    {
      name: 'ServiceUnavailable at 400',
      status: 400,
      body: json({ Code: 'ServiceUnavailable' }),
      want: { code: 'ServiceUnavailable', kind: 'transient', reason: 'ServerError' },
    },
    {
      name: 'SystemBusy at 400',
      status: 400,
      body: json({ Code: 'SystemBusy', Message: 'System is busy, please try again later.' }),
      want: { code: 'SystemBusy', kind: 'transient', reason: 'ServerError' },
    },
    {
      name: 'unknown code at 500',
      status: 500,
      body: json({ Code: 'PipelineService.Unreachable' }),
      want: { code: 'PipelineService.Unreachable', kind: 'transient', reason: 'ServerError' },
    },
    {
      name: 'unknown code at 400',
      status: 400,
      body: json({ Code: 'PipelineRun.StateConflict' }),
      want: { code: 'PipelineRun.StateConflict', kind: 'permanent', reason: 'InvalidParameter' },
    },
    {
      name: 'unknown run: 404 with a NotFound code',
      status: 404,
      body: json({
        Code: 'InvalidPipelineRunId.NotFound',
        Message: 'The specified pipeline run does not exist.',
      }),
      want: { code: 'InvalidPipelineRunId.NotFound', kind: 'permanent', reason: 'NotFound' },
    },
    {
      name: 'a NotFound code at 400',
      status: 400,
      body: json({ Code: 'InvalidNodeId.NotFound' }),
      want: { code: 'InvalidNodeId.NotFound', kind: 'permanent', reason: 'NotFound' },
    },
    {
      name: 'expired STS token at 400',
      status: 400,
      body: json({ Code: 'InvalidSecurityToken.Expired', Message: 'Specified SecurityToken is expired.' }),
      want: { code: 'InvalidSecurityToken.Expired', kind: 'permanent', reason: 'Unauthorized' },
      expired: true,
    },
    {
      name: "OSS's SecurityTokenExpired at 403, lower-case keys",
      status: 403,
      body: json({ code: 'SecurityTokenExpired', message: 'The security token you provided has expired.' }),
      want: { code: 'SecurityTokenExpired', kind: 'permanent', reason: 'Unauthorized' },
      expired: true,
    },
    {
      name: 'a mismatched token is not an expired one',
      status: 400,
      body: json({ Code: 'InvalidSecurityToken.MismatchWithAccessKey' }),
      want: { code: 'InvalidSecurityToken.MismatchWithAccessKey', kind: 'permanent', reason: 'Unauthorized' },
    },
    {
      name: 'a 200 carrying an error object',
      status: 200,
      body: json({ RequestId: 'R-9', Code: 'Throttling.User', Message: 'denied' }),
      want: { code: 'Throttling.User', kind: 'throttled', reason: 'Throttled', requestId: 'R-9' },
    },
    {
      name: 'a 200 carrying an unknown code',
      status: 200,
      body: json({ Code: 'Weird', Success: false }),
      want: { code: 'Weird', kind: 'transient', reason: 'BadResponse' },
    },
    {
      name: 'a numeric code from a gateway',
      status: 503,
      body: json({ code: 503, message: 'no healthy upstream' }),
      want: { code: '503', kind: 'transient', reason: 'ServerError' },
      says: 'no healthy upstream',
    },
    {
      name: 'a JSON string body',
      status: 500,
      body: json('Internal Server Error'),
      want: { code: 'Http500', kind: 'transient', reason: 'ServerError' },
      says: ': Internal Server Error;',
    },
    {
      name: 'a JSON array body',
      status: 500,
      body: '[]',
      want: { code: 'Http500', kind: 'transient', reason: 'ServerError' },
      says: ': [];',
    },
    {
      name: 'fields of the wrong types are ignored',
      status: 400,
      body: json({ Code: ['Throttling'], Message: { text: 'x' }, RequestId: 42 }),
      want: { code: 'Http400', kind: 'permanent', reason: 'InvalidParameter', requestId: '42' },
    },
    {
      name: 'request ID from the x-acs-request-id header when the body has none',
      status: 500,
      headers: { 'x-acs-request-id': 'H-7' },
      body: json({ Code: 'InternalError' }),
      want: { code: 'InternalError', kind: 'transient', reason: 'ServerError', requestId: 'H-7' },
    },
    {
      name: 'a 401 in OAuth style',
      status: 401,
      body: json({ error: 'unauthorized' }),
      want: { code: 'Http401', kind: 'permanent', reason: 'Unauthorized' },
    },
    {
      name: 'a huge page with scripts, styles and comments: visible text only, bounded',
      status: 503,
      body: SCRIPTED_PAGE,
      want: { code: 'Http503', kind: 'transient', reason: 'ServerError' },
      says: ': Service temporarily unavailable & retrying padding padding',
    },
  ] as {
    name: string;
    status: number;
    headers?: Record<string, string>;
    body: string;
    want: {
      code: string;
      kind: string;
      reason: string;
      retryAfterMs?: number;
      requestId?: string;
      recommend?: string;
    };
    says?: string;
    expired?: boolean;
  }[])('$name', ({ status, headers = {}, body, want, says, expired = false }) => {
    const err = errorFromResponse({
      operation: 'ListPipelineRunNodeStatus',
      httpStatus: status,
      body,
      headers,
      nowMs: NOW,
      secrets: ['s3cr3t'],
    });
    expect({
      code: err.code,
      kind: err.kind,
      reason: err.reason,
      retryAfterMs: err.retryAfterMs,
      requestId: err.requestId,
      recommend: err.recommend,
    }).toEqual({ retryAfterMs: undefined, requestId: undefined, recommend: undefined, ...want });
    expect(isExpiredSecurityToken(err)).toBe(expired);
    expect(err.httpStatus).toBe(status);
    if (says !== undefined) expect(err.message).toContain(says);
    expect(err.message).not.toMatch(/[<>]|never-shown|s3cr3t/);
    expect(err.message.length).toBeLessThan(600);
  });
});
