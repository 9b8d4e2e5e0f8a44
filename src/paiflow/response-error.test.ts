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
