/**
 * PAIFlow endpoints: the regional URL, and the allow-list that keeps a user-supplied endpoint override
 * from pointing the controller's credentials at a server of their choosing. Pure functions.
 */

const REGION = /^[a-z]+(-[a-z0-9]+)+$/;

/**
 * The PAIFlow endpoint of a region: `https://paiflow.<region>.aliyuncs.com`, or
 * `https://paiflow-vpc.<region>.aliyuncs.com` with `vpc: true` (reachable only from inside a VPC).
 * Throws on anything that is not shaped like a region ID, so a typo cannot build a foreign host name.
 */
export function regionalEndpoint(region: string, options: { vpc?: boolean } = {}): string {
  if (!REGION.test(region) || region.length > 63) {
    throw new Error(`expected a region such as cn-hangzhou, got ${JSON.stringify(region)}`);
  }
  return `https://${options.vpc === true ? 'paiflow-vpc' : 'paiflow'}.${region}.aliyuncs.com`;
}

/**
 * The default allow-list: the public and VPC PAIFlow hosts of every region, over https on port 443.
 * Entries are host patterns (see {@link isEndpointAllowed}).
 */
export const DEFAULT_ENDPOINT_ALLOW_LIST: readonly string[] = Object.freeze([
  'paiflow.*.aliyuncs.com',
  'paiflow-vpc.*.aliyuncs.com',
]);

/**
 * Parses an endpoint: an `http:` or `https:` origin with no user info, no path other than `/`, no query
 * and no fragment. Host names are lower-cased (DNS is case-insensitive); a trailing dot is refused so
 * that one host has one spelling. Throws "expected an endpoint such as ..., got ..." otherwise.
 */
export function parseEndpoint(endpointUrl: string): URL {
  const fail = (why: string): never => {
    throw new Error(
      `expected an endpoint such as https://paiflow.cn-hangzhou.aliyuncs.com (${why}), got ${JSON.stringify(endpointUrl)}`,
    );
  };
  // Refused before parsing: the WHATWG parser would silently reinterpret them (`\` as `/`, `@` as user info).
  if (/[\s@\\?#]/.test(endpointUrl)) fail('no user info, query, fragment, backslash or whitespace');
  let url: URL;
  try {
    url = new URL(endpointUrl);
  } catch {
    return fail('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('http or https only');
  if (url.pathname !== '/') fail('no path');
  if (url.hostname.endsWith('.')) fail('no trailing dot');
  return url;
}

interface HostPattern {
  scheme: 'http' | 'https';
  /** Lower-cased labels, `*` matching exactly one label; a bracketed IPv6 literal is one label. */
  labels: string[];
  /** `*` for any port, otherwise the port as a string ('' = the scheme's default). */
  port: string;
}

const ENTRY = /^(?:(https?):\/\/)?(\[[0-9a-f:.]+\]|[a-z0-9*][a-z0-9*.-]*)(?::(\d{1,5}|\*))?$/;
const LABEL = /^(\*|[a-z0-9]([a-z0-9-]*[a-z0-9])?)$/;

function parseEntry(entry: string): HostPattern {
  const match = ENTRY.exec(entry.toLowerCase());
  const [, scheme = 'https', host = '', port = ''] = match ?? [];
  const labels = host.startsWith('[') ? [host] : host.split('.');
  const wellFormed =
    host.startsWith('[') ||
    // A wildcard among the last two labels would admit any domain of that suffix (`paiflow.*.com`).
    (labels.every((label) => LABEL.test(label)) && !labels.slice(-2).includes('*'));
  if (!match || !wellFormed) {
    throw new Error(
      `expected an endpoint allow-list entry such as paiflow.*.aliyuncs.com or http://127.0.0.1:*, got ${JSON.stringify(entry)}`,
    );
  }
  const defaultPort = scheme === 'https' ? '443' : '80';
  return { scheme: scheme === 'http' ? 'http' : 'https', labels, port: port === defaultPort ? '' : port };
}

/** Throws on the first malformed allow-list entry; for validating configuration at startup. */
export function checkEndpointAllowList(allowList: readonly string[]): void {
  for (const entry of allowList) parseEntry(entry);
}

/**
 * Whether an endpoint may be used. Each allow-list entry is `[scheme://]host[:port]`:
 * - `scheme` is `https` when omitted;
 * - in `host`, `*` matches exactly one DNS label (never a dot), other labels match literally,
 *   case-insensitively; the last two labels must be literal;
 * - `port` is `*` for any port; when omitted only the scheme's default port matches.
 *
 * The endpoint must also pass {@link parseEndpoint}; anything it refuses is not allowed.
 * Throws on a malformed allow-list entry (a configuration error, not a decision about the endpoint).
 */
export function isEndpointAllowed(endpointUrl: string, allowList: readonly string[]): boolean {
  const patterns = allowList.map(parseEntry);
  let url: URL;
  try {
    url = parseEndpoint(endpointUrl);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1);
  const labels = url.hostname.startsWith('[') ? [url.hostname] : url.hostname.split('.');
  return patterns.some(
    (pattern) =>
      pattern.scheme === scheme &&
      (pattern.port === '*' || pattern.port === url.port) &&
      pattern.labels.length === labels.length &&
      pattern.labels.every((label, i) => {
        const actual = labels[i] ?? '';
        return label === '*' ? LABEL.test(actual) && actual !== '*' : label === actual;
      }),
  );
}
