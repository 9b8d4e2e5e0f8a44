import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Alibaba Cloud V3 request signing (ACS3-HMAC-SHA256), as specified in
 * docs/reference: "V3 request structure and signature". Pure functions only, shared by the client
 * (to sign) and the PAIFlow simulator (to verify), so the two cannot disagree on canonical form;
 * the published worked example and Alibaba's own SDK keep both honest (see signing.test.ts and
 * test/paiflow/official-sdk-signing.test.ts).
 */

export const SIGNATURE_ALGORITHM = 'ACS3-HMAC-SHA256';

/** Hex SHA-256 of an empty body, sent as `x-acs-content-sha256` on GET requests. */
export const EMPTY_BODY_SHA256 = sha256Hex('');

/** What is signed: the request as it goes on the wire, minus the Authorization header. */
export interface SignableRequest {
  method: string;
  /** The path, not yet encoded (e.g. `/api/v1/pipelineruns/flow-1/nodes/node-1/status`). */
  path: string;
  /** Query parameters, not yet encoded. */
  query: Readonly<Record<string, string>>;
  /** Header names in any case; only `host`, `content-type` and `x-acs-*` are signed. */
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body (the `x-acs-content-sha256` value). */
  payloadHash: string;
}

/** RFC 3986 encoding as Alibaba specifies it: `~` stays, space is `%20`, `*` is `%2A`. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Encodes each path segment, keeping the `/` separators. */
export function canonicalUri(path: string): string {
  return path
    .split('/')
    .map((segment) => percentEncode(segment))
    .join('/');
}

/** Parameters sorted by encoded name, `name=value` joined by `&`. */
export function canonicalQueryString(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function isSignedHeader(lowerName: string): boolean {
  return lowerName === 'host' || lowerName === 'content-type' || lowerName.startsWith('x-acs-');
}

/** The lower-cased, sorted header names that are signed, and their `name:value\n` lines. */
export function canonicalHeaders(headers: Readonly<Record<string, string>>): {
  canonical: string;
  signedHeaders: string;
} {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .filter(([name]) => isSignedHeader(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    canonical: entries.map(([name, value]) => `${name}:${value}\n`).join(''),
    signedHeaders: entries.map(([name]) => name).join(';'),
  };
}

/** The canonical request, and the signed header list that goes into Authorization. */
export function canonicalRequest(request: SignableRequest): { canonical: string; signedHeaders: string } {
  const headers = canonicalHeaders(request.headers);
  const canonical = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQueryString(request.query),
    headers.canonical,
    headers.signedHeaders,
    request.payloadHash,
  ].join('\n');
  return { canonical, signedHeaders: headers.signedHeaders };
}

export function stringToSign(canonical: string): string {
  return `${SIGNATURE_ALGORITHM}\n${sha256Hex(canonical)}`;
}

export function signatureOf(accessKeySecret: string, toSign: string): string {
  return createHmac('sha256', accessKeySecret).update(toSign).digest('hex');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Computes the Authorization header value for a request signed with the given key pair. */
export function authorizationHeader(
  request: SignableRequest,
  accessKeyId: string,
  accessKeySecret: string,
): string {
  const { canonical, signedHeaders } = canonicalRequest(request);
  const signature = signatureOf(accessKeySecret, stringToSign(canonical));
  return `${SIGNATURE_ALGORITHM} Credential=${accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

/** The parts of an `Authorization: ACS3-HMAC-SHA256 ...` header, or undefined when it is malformed. */
export interface ParsedAuthorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const match =
    /^ACS3-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      header?.trim() ?? '',
    );
  if (!match) return undefined;
  const [, accessKeyId = '', signedHeaders = '', signature = ''] = match;
  return { accessKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `x-acs-date` format: UTC `yyyy-MM-ddTHH:mm:ssZ`, no milliseconds. */
export function acsDate(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
