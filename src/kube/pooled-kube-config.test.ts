import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import type { Dispatcher } from 'undici';
import { selfSignedCertificate, type CertificateAndKey } from '../util/self-signed-certificate.ts';
import { PooledKubeConfig } from './pooled-kube-config.ts';

/**
 * A loopback HTTPS API server that counts the TLS connections it accepts: the regression test for
 * client-node 2.0's one-connection-per-request (docs/benchmarks.md).
 *
 * Over HTTP/1.1 (this server offers no h2) undici's pool opens a second connection for the request
 * that follows the first: when it is dispatched, the first connection is not yet marked idle. From
 * then on the two are reused. Hence "at most 2" below, against one per request without the pool.
 */
const SEQUENTIAL_MAX = 2;

let tls: CertificateAndKey;
let server: Server;
let url: string;
let connections: number;
let dir: string;

beforeAll(async () => {
  tls = await selfSignedCertificate({ hosts: ['127.0.0.1'] });
});

beforeEach(async () => {
  connections = 0;
  dir = mkdtempSync(join(tmpdir(), 'pooled-kube-config-'));
  server = createServer({ ...tls, keepAliveTimeout: 60_000 }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url?.includes('/hang')) return; // never answered
    if (req.url?.includes('watch=true')) {
      res.end(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
      return;
    }
    res.end(JSON.stringify({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'a' } }));
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function source(cluster: { caFile?: string; skipTLSVerify?: boolean }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, ...cluster }],
    users: [{ name: 'u', token: 'token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

function caFile(contents: string): string {
  const file = join(dir, 'ca.crt');
  writeFileSync(file, contents);
  return file;
}

async function readSequentially(kc: KubeConfig, count: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < count; i++) await core.readNamespace({ name: 'a' });
}

describe('PooledKubeConfig', () => {
  test('client-node alone opens one TLS connection per request (the problem)', async () => {
    await readSequentially(source({ caFile: caFile(tls.cert) }), 10);
    expect(connections).toBe(10);
  });

  test('20 sequential requests share keep-alive connections', async () => {
    const kc = new PooledKubeConfig({ source: source({ caFile: caFile(tls.cert) }) });
    await readSequentially(kc, 20);
    expect(connections).toBeLessThanOrEqual(SEQUENTIAL_MAX);
    await kc.close();
  });

  test('rounds of concurrent requests reuse the connections of the first rounds', async () => {
    const kc = new PooledKubeConfig({ source: source({ skipTLSVerify: true }) });
    const core = kc.makeApiClient(CoreV1Api);
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 8 }, () => core.readNamespace({ name: 'a' })));
    }
    expect(connections).toBeLessThanOrEqual(8 * SEQUENTIAL_MAX); // 40 without the pool
    await kc.close();
  });

  test('watches go through the same connections as API calls', async () => {
    const kc = new PooledKubeConfig({ source: source({ caFile: caFile(tls.cert) }) });
    await readSequentially(kc, 3);
    for (let i = 0; i < 3; i++) {
      await new Promise<unknown>((resolve) => {
        void new Watch(kc).watch('/api/v1/namespaces', {}, () => undefined, resolve);
      });
    }
    await readSequentially(kc, 3);
    expect(connections).toBeLessThanOrEqual(SEQUENTIAL_MAX);
    await kc.close();
  });

  test('a changed CA file gets new connections', async () => {
    const file = caFile(tls.cert);
    const kc = new PooledKubeConfig({ source: source({ caFile: file }) });
    await readSequentially(kc, 5);
    const before = connections;
    const other = await selfSignedCertificate({ hosts: ['example.invalid'] });
    writeFileSync(file, `${tls.cert}\n${other.cert}`); // a CA bundle that still trusts the server
    await readSequentially(kc, 5);
    expect(connections).toBeGreaterThan(before);
    expect(connections).toBeLessThanOrEqual(before + SEQUENTIAL_MAX);
    await kc.close();
  });

  test('interceptors see every request, through the shared dispatcher', async () => {
    const seen: string[] = [];
    const record: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => {
      seen.push(`${options.method} ${options.path}`);
      return dispatch(options, handler);
    };
    const kc = new PooledKubeConfig({ source: source({ caFile: caFile(tls.cert) }), interceptors: [record] });
    await readSequentially(kc, 2);
    expect(seen).toEqual(['GET /api/v1/namespaces/a', 'GET /api/v1/namespaces/a']);
    await kc.close();
  });

  test('close() ends even with a request hanging: the request fails', async () => {
    const kc = new PooledKubeConfig({ source: source({ caFile: caFile(tls.cert) }) });
    const hanging = kc.makeApiClient(CoreV1Api).readNamespace({ name: 'hang' });
    await new Promise<void>((resolve) => server.once('request', () => resolve()));
    await kc.close();
    await expect(hanging).rejects.toThrow();
  });

  test('keeps the source configuration: current context, cluster and user', () => {
    const original = source({ skipTLSVerify: true });
    const kc = new PooledKubeConfig({ source: original });
    expect(kc.getCurrentContext()).toBe('x');
    expect(kc.getCurrentCluster()).toEqual(original.getCurrentCluster());
    expect(kc.getCurrentUser()).toEqual(original.getCurrentUser());
  });
});
