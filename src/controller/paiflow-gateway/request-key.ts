import { createHash } from 'node:crypto';
import { parseEndpoint } from '../../paiflow/index.ts';

/** What makes two PAIFlow requests the same request. */
export interface RequestKeyParts {
  operation: string;
  /** Canonicalised: `https://PAIFLOW.cn-hangzhou.aliyuncs.com:443` and `https://paiflow.cn-hangzhou.aliyuncs.com` are one endpoint. */
  endpoint: string;
  /** The credentials identity: the same request made with other credentials may be answered differently. */
  identity: string;
  /** The request's parameters; undefined ones are left out. A `tokenId` is a secret and enters only as a hash. */
  params: Readonly<Record<string, string | number | undefined>>;
}

/**
 * The canonical key of a request, for single-flight: equal for requests PAIFlow answers alike, and
 * safe to print. Parameters are sorted, so the order they were written in does not matter. The
 * share token (TokenId) enters as its SHA-256 only: a key showing up in a log or a heap dump must not
 * hand out access to a shared run.
 */
export function requestKey(parts: RequestKeyParts): string {
  const params = Object.entries(parts.params)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]): [string, string | number] =>
      name === 'tokenId'
        ? [name, `sha256:${createHash('sha256').update(String(value)).digest('hex')}`]
        : [name, value],
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([parts.operation, parseEndpoint(parts.endpoint).origin, parts.identity, params]);
}
