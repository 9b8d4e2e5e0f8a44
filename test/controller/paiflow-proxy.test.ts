import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/clock/clock.ts';
import { PaiflowGateway } from '../../src/controller/paiflow-gateway/index.ts';
import { StaticCredentialsProvider, type PaiflowNetworkOptions } from '../../src/paiflow/index.ts';
import {
  ACCESS_KEY,
  condition,
  pipelineRunNode,
  pollsOf,
  startKubeSimEnvironment,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// PAIFlow behind a corporate proxy: the simulator serves HTTPS with a certificate from a CA of this
// test's own, reachable only by trusting that CA (--paiflow-ca-file), and the controller reaches it
// through a real CONNECT proxy (HTTPS_PROXY). The tunnel carries TLS end to end, so the simulator
// checking the V3 signature proves the request arrived as signed; the proxy's log proves it went
// through the proxy; a client without the CA proves the CA is what makes TLS verify.

const RUN = 'flow-proxied';

/** A CONNECT-only forward proxy: records each tunnel's target, refuses plain proxying. */
class ConnectProxy {
  readonly tunnels: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor() {
    this.#server = createServer((_req, res) => res.writeHead(405).end('CONNECT only'));
    this.#server.on('connect', (req, client: Socket, head: Buffer) => {
      const target = req.url ?? '';
      this.tunnels.push(target);
      const [host = '', port = ''] = target.split(/:(?=\d+$)/);
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
      }
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** A CA and a certificate it signed for 127.0.0.1, made with openssl. */
function makeCertificates(dir: string): { caPem: string; key: string; cert: string } {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=proxy-test CA',
  );
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  );
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
  return { caPem: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

let dir: string;
let proxy: ConnectProxy;
let proxyUrl: string;
let certificates: { caPem: string; key: string; cert: string };
let env: KubeSimEnvironment;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paiflow-proxy-'));
  certificates = makeCertificates(dir);
  proxy = new ConnectProxy();
  proxyUrl = await proxy.listen();
  env = await startKubeSimEnvironment({
    runs: [{ id: RUN, nodes: [{ id: 'node-1', name: 'train', duration: '1h' }] }],
    paiflow: { tls: { key: certificates.key, cert: certificates.cert } },
    manager: { paiflowNetwork: { httpsProxy: proxyUrl, extraCaPem: certificates.caPem } },
  });
});

afterAll(async () => {
  await env.close();
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the controller polls HTTPS PAIFlow through a CONNECT proxy, trusting the extra CA, and the signature verifies', async () => {
  expect(env.paiflow.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  env.paiflow.setTime(30_000);
  env.kube.create(pipelineRunNode(env, 'proxied', { pipelineRunId: RUN, nodeId: 'node-1' }));
  const r = await waitForResource(env, 'proxied', (r) => r.status?.phase === 'Running', 'Running');
  expect(condition(r, 'Synced')).toMatchObject({ status: 'True', reason: 'Polled' });
  expect(pollsOf(env, RUN, 'node-1')).toBeGreaterThan(0);
  expect(proxy.tunnels).toContain(new URL(env.paiflow.endpoint).host);
});

describe('the same request from a gateway', () => {
  const call = async (network: PaiflowNetworkOptions): Promise<string> => {
    const gateway = new PaiflowGateway({
      clock: systemClock,
      qps: 100,
      burst: 10,
      maxConcurrent: 4,
      network,
    });
    try {
      const result = await gateway.listPipelineRunNodeStatus(
        { endpoint: env.paiflow.endpoint, credentials: new StaticCredentialsProvider(ACCESS_KEY) },
        { pipelineRunId: RUN, nodeId: 'node-1', type: 'Logical' },
      );
      return result.nodes[0]?.status ?? 'no node';
    } catch (error) {
      return `error: ${(error as Error).message}`;
    } finally {
      await gateway.close();
    }
  };

  test('without the extra CA, TLS through the tunnel does not verify', async () => {
    const before = proxy.tunnels.length;
    expect(await call({ httpsProxy: proxyUrl })).toMatch(/^error: .*certificate/);
    expect(proxy.tunnels.length).toBeGreaterThan(before);
  });

  test('NO_PROXY hosts go direct', async () => {
    const before = proxy.tunnels.length;
    expect(await call({ httpsProxy: proxyUrl, noProxy: '127.0.0.1', extraCaPem: certificates.caPem })).toBe(
      'Running',
    );
    expect(proxy.tunnels.length).toBe(before);
  });
});
