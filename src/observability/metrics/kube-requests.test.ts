import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { family, newMetrics } from './exposition.test-helper.ts';
import { PooledKubeConfig } from '../../kube/pooled-kube-config.ts';
import { countKubeRequests, type KubeRequest } from './kube-requests.ts';

/** A tiny API server: namespaces list, 404 for one namespace, a watch that sends one event and ends. */
function apiServer(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/v1/namespaces' && url.searchParams.get('watch') === 'true') {
      res.writeHead(200);
      res.end(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
    } else if (url.pathname === '/api/v1/namespaces' || req.method === 'PATCH') {
      res
        .writeHead(200)
        .end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
    } else {
      res
        .writeHead(404)
        .end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', code: 404, reason: 'NotFound' }));
    }
  });
}

function kubeConfig(server: string, skipTLSVerify: boolean): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify }],
    users: [{ name: 'u', token: 'token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

let server: Server;
let host: string;

beforeEach(async () => {
  server = apiServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('countKubeRequests through PooledKubeConfig', () => {
  test('reports every API call and watch once, with method, host and status', async () => {
    const seen: KubeRequest[] = [];
    const kc = new PooledKubeConfig({
      source: kubeConfig(`http://${host}`, true),
      interceptors: [countKubeRequests((r) => seen.push(r))],
    });
    const core = kc.makeApiClient(CoreV1Api);
    await core.listNamespace();
    await expect(core.readNamespace({ name: 'missing' })).rejects.toMatchObject({ code: 404 });
    await core.patchNamespace({ name: 'a', body: [] });
    const watched = await new Promise<unknown>((resolve) => {
      void new Watch(kc).watch('/api/v1/namespaces', {}, () => undefined, resolve);
    });
    expect(watched).toBeNull(); // the watch ended normally, after one event
    expect(seen).toEqual([
      { method: 'GET', host, code: '200' },
      { method: 'GET', host, code: '404' },
      { method: 'PATCH', host, code: '200' },
      { method: 'GET', host, code: '200' },
    ]);
  });

  test('a request that gets no answer counts as <error>, once', async () => {
    const seen: KubeRequest[] = [];
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const kc = new PooledKubeConfig({
      source: kubeConfig(`http://${host}`, true),
      interceptors: [countKubeRequests((r) => seen.push(r))],
    });
    await expect(kc.makeApiClient(CoreV1Api).listNamespace()).rejects.toThrow();
    expect(seen).toEqual([{ method: 'GET', host, code: '<error>' }]);
    server = apiServer(); // for afterEach
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  test("counts through undici's global dispatcher when the configuration needs no TLS settings of its own", async () => {
    // An https cluster with neither CA nor client certificates: client-node leaves the dispatcher to
    // fetch (the global one). Our plain-HTTP server makes the TLS handshake fail: <error>.
    const seen: KubeRequest[] = [];
    const kc = new PooledKubeConfig({
      source: kubeConfig(`https://${host}`, false),
      interceptors: [countKubeRequests((r) => seen.push(r))],
    });
    await expect(kc.makeApiClient(CoreV1Api).listNamespace()).rejects.toThrow();
    expect(seen).toEqual([{ method: 'GET', host, code: '<error>' }]);
  });

  test('feeds rest_client_requests_total through the metrics adapter', async () => {
    const { registry, metrics } = newMetrics();
    const kc = new PooledKubeConfig({
      source: kubeConfig(`http://${host}`, true),
      interceptors: [countKubeRequests(metrics.kubeRequest)],
    });
    await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(await family(registry, 'rest_client_requests_total')).toEqual([
      `rest_client_requests_total{code="200",method="GET",host="${host}"} 1`,
    ]);
  });
});
