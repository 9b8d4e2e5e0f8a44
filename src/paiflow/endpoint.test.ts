import {
  checkEndpointAllowList,
  DEFAULT_ENDPOINT_ALLOW_LIST,
  isEndpointAllowed,
  parseEndpoint,
  regionalEndpoint,
} from './endpoint.ts';

describe('regionalEndpoint', () => {
  test.each([
    { name: 'public', region: 'cn-hangzhou', vpc: false, want: 'https://paiflow.cn-hangzhou.aliyuncs.com' },
    { name: 'vpc', region: 'cn-hangzhou', vpc: true, want: 'https://paiflow-vpc.cn-hangzhou.aliyuncs.com' },
    {
      name: 'numbered region',
      region: 'ap-southeast-1',
      vpc: false,
      want: 'https://paiflow.ap-southeast-1.aliyuncs.com',
    },
  ])('$name', ({ region, vpc, want }) => {
    expect(regionalEndpoint(region, { vpc })).toBe(want);
  });

  test.each([
    '',
    'hangzhou',
    'CN-HANGZHOU',
    'cn-hangzhou.evil.com',
    'cn_hangzhou',
    'cn-hangzhou/x',
    '-cn',
    'cn-',
  ])('refuses %j', (region) => {
    expect(() => regionalEndpoint(region)).toThrow(
      `expected a region such as cn-hangzhou, got ${JSON.stringify(region)}`,
    );
  });
});

describe('isEndpointAllowed', () => {
  const sandbox = [...DEFAULT_ENDPOINT_ALLOW_LIST, 'http://127.0.0.1:*'];
  test.each([
    {
      name: 'regional public endpoint',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: true,
    },
    {
      name: 'regional endpoint with trailing slash',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com/',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: true,
    },
    {
      name: 'VPC endpoint',
      url: 'https://paiflow-vpc.us-east-1.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: true,
    },
    {
      name: 'explicit default port',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com:443',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: true,
    },
    {
      name: 'uppercase host is the same host',
      url: 'https://PAIFLOW.CN-HANGZHOU.ALIYUNCS.COM',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: true,
    },
    {
      name: 'http to a PAIFlow host',
      url: 'http://paiflow.cn-hangzhou.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'other port',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com:8443',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'suffix attack',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com.evil.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'path attack',
      url: 'https://evil.com/paiflow.cn-hangzhou.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'user info',
      url: 'https://user@paiflow.cn-hangzhou.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'user info hiding the real host',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com@evil.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'backslash trick',
      url: 'https://evil.com\\.paiflow.cn-hangzhou.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'trailing dot',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com.',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'wildcard spans one label only',
      url: 'https://paiflow.a.b.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'prefix attack',
      url: 'https://evilpaiflow.cn-hangzhou.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'extra leading label',
      url: 'https://x.paiflow.cn-hangzhou.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'path',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com/api',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'query',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com/?x=1',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'empty query',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com?',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'fragment',
      url: 'https://paiflow.cn-hangzhou.aliyuncs.com#x',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'other scheme',
      url: 'ftp://paiflow.cn-hangzhou.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'not a URL',
      url: 'paiflow.cn-hangzhou.aliyuncs.com',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    {
      name: 'loopback not in the default list',
      url: 'http://127.0.0.1:8080',
      list: DEFAULT_ENDPOINT_ALLOW_LIST,
      want: false,
    },
    { name: 'sandbox simulator, any port', url: 'http://127.0.0.1:41234', list: sandbox, want: true },
    { name: 'sandbox entry is http only', url: 'https://127.0.0.1:41234', list: sandbox, want: false },
    { name: 'sandbox entry is that IP only', url: 'http://127.0.0.2:41234', list: sandbox, want: false },
    { name: 'fixed port entry', url: 'http://localhost:8080', list: ['http://localhost:8080'], want: true },
    {
      name: 'fixed port entry, other port',
      url: 'http://localhost:8081',
      list: ['http://localhost:8080'],
      want: false,
    },
    { name: 'IPv6 literal', url: 'http://[::1]:9000', list: ['http://[::1]:*'], want: true },
    { name: 'empty allow-list', url: 'https://paiflow.cn-hangzhou.aliyuncs.com', list: [], want: false },
  ])('$name: $url', ({ url, list, want }) => {
    expect(isEndpointAllowed(url, list)).toBe(want);
  });

  test.each([
    'paiflow.*',
    'paiflow.*.com',
    '*',
    'https://*.aliyuncs.com/path',
    'paiflow-*.aliyuncs.com',
    'user@host',
    'http://host:port',
    '',
  ])('a malformed allow-list entry %j is a configuration error', (entry) => {
    expect(() => {
      checkEndpointAllowList([entry]);
    }).toThrow('expected an endpoint allow-list entry');
    expect(() => isEndpointAllowed('https://paiflow.cn-hangzhou.aliyuncs.com', [entry])).toThrow(
      'expected an endpoint allow-list entry',
    );
  });

  test('the default list is well-formed', () => {
    expect(() => {
      checkEndpointAllowList(DEFAULT_ENDPOINT_ALLOW_LIST);
    }).not.toThrow();
  });
});

describe('parseEndpoint', () => {
  test('lower-cases the host and keeps the port', () => {
    expect(parseEndpoint('HTTP://LocalHost:8080').host).toBe('localhost:8080');
  });

  test('says what it expected', () => {
    expect(() => parseEndpoint('https://h/x')).toThrow(
      'expected an endpoint such as https://paiflow.cn-hangzhou.aliyuncs.com (no path), got "https://h/x"',
    );
  });
});
