import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { acsDate, authorizationHeader, percentEncode, sha256Hex } from '../../paiflow/signing.ts';

/**
 * A tiny V3-signing HTTP helper for the simulator's tests (not a client: no retries, no parsing
 * beyond JSON). It signs with src/paiflow/signing.ts, then lets a test break the request on purpose.
 */
export interface TestKey {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface TestRequest {
  method?: string;
  /** Unencoded path segments after the leading slash, e.g. ['api', 'v1', 'pipelineruns', 'flow-1']. */
  path: string[];
  query?: Record<string, string>;
  body?: string;
  action: string;
  version?: string;
  /** Wall time for x-acs-date (epoch ms); default now. */
  signedAtMs?: number;
  nonce?: string;
  /** More headers to send and sign (a V3 signer signs every x-acs-* and content-type it sends). */
  extraHeaders?: Record<string, string>;
  /** Changes made after signing (e.g. drop or alter a header); return the headers to send. */
  tamper?: (headers: Record<string, string>) => Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body (undefined when it does not parse). */
  json: Record<string, unknown> | undefined;
}

export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Signs a request for the endpoint: what to put on the wire. */
export function signRequest(endpoint: string, key: TestKey, req: TestRequest): WireRequest {
  const url = new URL(endpoint);
  const method = req.method ?? 'GET';
  const body = req.body ?? '';
  const query = req.query ?? {};
  const headers: Record<string, string> = {
    host: url.host,
    'x-acs-action': req.action,
    'x-acs-version': req.version ?? '2021-02-02',
    'x-acs-date': acsDate(req.signedAtMs ?? Date.now()),
    'x-acs-signature-nonce': req.nonce ?? randomUUID(),
    'x-acs-content-sha256': sha256Hex(body),
    ...(body !== '' && { 'content-type': 'application/json; charset=utf-8' }),
    ...(key.securityToken !== undefined && { 'x-acs-security-token': key.securityToken }),
    ...req.extraHeaders,
  };
  headers.authorization = authorizationHeader(
    { method, path: `/${req.path.join('/')}`, query, headers, payloadHash: sha256Hex(body) },
    key.accessKeyId,
    key.accessKeySecret,
  );
  const queryString = new URLSearchParams(query).toString();
  const path = `/${req.path.map((s) => percentEncode(s)).join('/')}${queryString === '' ? '' : `?${queryString}`}`;
  return { method, path, headers: req.tamper ? req.tamper(headers) : headers, body };
}

export async function signedRequest(endpoint: string, key: TestKey, req: TestRequest): Promise<TestResponse> {
  return rawRequest(endpoint, signRequest(endpoint, key, req));
}

/** A plain HTTP request (for unsigned and admin calls). */
export async function rawRequest(
  endpoint: string,
  req: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<TestResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: req.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}
