import {
  acsDate,
  authorizationHeader,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  EMPTY_BODY_SHA256,
  parseAuthorization,
  percentEncode,
  signatureOf,
  stringToSign,
  type SignableRequest,
} from './signing.ts';

// The worked example published in Alibaba Cloud's "V3 request structure and signature" document.
const published: SignableRequest = {
  method: 'POST',
  path: '/',
  query: { RegionId: 'cn-shanghai', ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd' },
  headers: {
    host: 'ecs.cn-shanghai.aliyuncs.com',
    'x-acs-action': 'RunInstances',
    'x-acs-version': '2014-05-26',
    'x-acs-date': '2023-10-26T10:22:32Z',
    'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
    'x-acs-content-sha256': EMPTY_BODY_SHA256,
  },
  payloadHash: EMPTY_BODY_SHA256,
};

describe('V3 signing reproduces the published example byte for byte', () => {
  const expectedCanonical = [
    'POST',
    '/',
    'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
    'host:ecs.cn-shanghai.aliyuncs.com',
    'x-acs-action:RunInstances',
    'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-acs-date:2023-10-26T10:22:32Z',
    'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
    'x-acs-version:2014-05-26',
    '',
    'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ].join('\n');

  test('canonical request', () => {
    expect(canonicalRequest(published).canonical).toBe(expectedCanonical);
  });

  test('string to sign', () => {
    expect(stringToSign(expectedCanonical)).toBe(
      'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
  });

  test('signature and Authorization header', () => {
    const signature = '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0';
    expect(signatureOf('YourAccessKeySecret', stringToSign(expectedCanonical))).toBe(signature);
    expect(authorizationHeader(published, 'YourAccessKeyId', 'YourAccessKeySecret')).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,' +
        'SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,' +
        `Signature=${signature}`,
    );
  });
});

describe('canonical form details', () => {
  test.each([
    { name: 'space', input: 'a b', want: 'a%20b' },
    { name: 'asterisk', input: 'flow-rbvg5****', want: 'flow-rbvg5%2A%2A%2A%2A' },
    { name: 'tilde stays', input: 'a~b', want: 'a~b' },
    { name: 'reserved', input: "!'()", want: '%21%27%28%29' },
    { name: 'unicode', input: 'é', want: '%C3%A9' },
  ])('percentEncode: $name', ({ input, want }) => {
    expect(percentEncode(input)).toBe(want);
  });

  test('path segments are encoded, separators kept', () => {
    expect(canonicalUri('/api/v1/pipelineruns/flow a*/nodes/n~1/status')).toBe(
      '/api/v1/pipelineruns/flow%20a%2A/nodes/n~1/status',
    );
  });

  test('query sorted by name, empty query is an empty line', () => {
    expect(canonicalQueryString({ Type: 'Logical', Depth: '2', TokenId: 'a b' })).toBe(
      'Depth=2&TokenId=a%20b&Type=Logical',
    );
    expect(canonicalQueryString({})).toBe('');
  });

  test('only host, content-type and x-acs-* headers are signed, trimmed and lower-cased', () => {
    const { canonical, signedHeaders } = canonicalRequest({
      method: 'get',
      path: '/',
      query: {},
      headers: {
        Host: 'h',
        'Content-Type': ' application/json ',
        'X-Acs-Date': 'd',
        'User-Agent': 'ua',
        Accept: 'x',
      },
      payloadHash: EMPTY_BODY_SHA256,
    });
    expect(signedHeaders).toBe('content-type;host;x-acs-date');
    expect(canonical.split('\n').slice(0, 6)).toEqual([
      'GET',
      '/',
      '',
      'content-type:application/json',
      'host:h',
      'x-acs-date:d',
    ]);
  });

  test('Authorization header round-trips through the parser', () => {
    const parsed = parseAuthorization(authorizationHeader(published, 'id', 'secret'));
    expect(parsed?.accessKeyId).toBe('id');
    expect(parsed?.signedHeaders).toContain('x-acs-date');
    expect(parseAuthorization('ACS3-HMAC-SHA256 Credential=id')).toBeUndefined();
    expect(parseAuthorization(undefined)).toBeUndefined();
  });

  test('x-acs-date drops milliseconds', () => {
    expect(acsDate(Date.UTC(2023, 9, 26, 10, 22, 32, 999))).toBe('2023-10-26T10:22:32Z');
  });
});
