import { X509Certificate } from 'node:crypto';
import { getCACertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';

/** How PAIFlow requests reach PAIFlow: through a proxy or not, trusting which extra CAs. */
export interface PaiflowNetworkOptions {
  /** Proxy for `http://` endpoints (and for `https://` ones when httpsProxy is unset). */
  httpProxy?: string;
  /** Proxy for `https://` endpoints, reached with CONNECT. */
  httpsProxy?: string;
  /** Hosts that bypass the proxy: comma- or space-separated, `.example.com` for subdomains, `*` for all. */
  noProxy?: string;
  /** PEM certificates trusted besides Node's default ones (e.g. a corporate TLS-inspecting proxy's CA). */
  extraCaPem?: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle, checked one by one. Throws "expected ..., got ..." when the text
 * holds no certificate or one that does not parse.
 */
export function parseCaBundle(pem: string): string[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0)
    throw new Error('expected PEM certificates (-----BEGIN CERTIFICATE-----), got none');
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`expected PEM certificates, got one (number ${i + 1}) that does not parse: ${reason}`, {
        cause: error,
      });
    }
  });
  return blocks;
}

/** `http://user:secret@proxy:3128` as `http://user:***@proxy:3128`, for logs. */
export function redactProxyUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    const shown = parsed.toString();
    return url.endsWith('/') ? shown : shown.replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

/**
 * The undici dispatcher PAIFlow requests go through: a keep-alive Agent, or with a proxy undici's
 * EnvHttpProxyAgent (HTTP endpoints forwarded, HTTPS endpoints tunnelled with CONNECT, NO_PROXY
 * hosts direct). Extra CAs are added to Node's default trust (an undici `ca` replaces it
 * otherwise), for the TLS connection to PAIFlow whether tunnelled or direct. The caller owns it and
 * closes it; it opens no connection before the first request.
 */
export function createPaiflowDispatcher(options: PaiflowNetworkOptions & { timeoutMs: number }): Dispatcher {
  const tls =
    options.extraCaPem === undefined
      ? {}
      : { ca: [...getCACertificates('default'), ...parseCaBundle(options.extraCaPem)] };
  const common = { keepAliveTimeout: 10_000, connect: { timeout: options.timeoutMs, ...tls } };
  if (options.httpProxy === undefined && options.httpsProxy === undefined) return new Agent(common);
  return new EnvHttpProxyAgent({
    ...common,
    // Set explicitly (the configuration module read the environment), so that both agree.
    ...(options.httpProxy !== undefined && { httpProxy: options.httpProxy }),
    ...(options.httpsProxy !== undefined && { httpsProxy: options.httpsProxy }),
    noProxy: options.noProxy ?? '',
    // The extra CAs may be PAIFlow's (through the tunnel) or an https:// proxy's own.
    requestTls: tls,
    proxyTls: tls,
  });
}
