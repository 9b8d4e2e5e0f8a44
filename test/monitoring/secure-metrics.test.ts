/**
 * Secure metrics against the real kube-apiserver: `paiflow-controller run`, as its ServiceAccount
 * under deploy/rbac (whose metrics-auth ClusterRole lets it create TokenReviews and
 * SubjectAccessReviews), serves /metrics over HTTPS by default, and answers a scraper by what the
 * API server says of its token: none or unknown 401, a ServiceAccount without the metrics-reader
 * ClusterRole 403, one bound to it 200.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Agent, request } from 'undici';
import {
  collect,
  exitCode,
  freePort,
  startCli,
  type Child,
} from '../../src/cli/commands/child-process.test-helper.ts';
import { selfSignedCertificate, type CertificateAndKey } from '../../src/util/self-signed-certificate.ts';
import { applyManifests, METRICS_RBAC, metricsReaderToken } from '../support/metrics-access.ts';
import {
  describeWithKubeApiServer,
  START_TIMEOUT_MS,
  startKubeApiServer,
  type TestKubeApiServer,
} from '../support/kube-apiserver.ts';

// The controller's own RBAC too: `run` lists and watches PipelineRunNodes.
const MANIFESTS = [
  ...METRICS_RBAC,
  'deploy/crd.yaml',
  'deploy/rbac/clusterrole.yaml',
  'deploy/rbac/clusterrolebinding.yaml',
];

describeWithKubeApiServer('secure metrics, reviewed by the real API server', () => {
  let server: TestKubeApiServer;
  let dir: string;
  let controllerKubeconfig: string;
  let prometheusToken: string;
  let otherToken: string;
  let ownCertificate: CertificateAndKey;
  const children: Child[] = [];
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'secure-metrics-'));
    server = await startKubeApiServer();
    await applyManifests(server, MANIFESTS);
    controllerKubeconfig = (await server.serviceAccount('paiflow-system', 'paiflow-controller'))
      .kubeconfigPath;
    prometheusToken = await metricsReaderToken(server, 'monitoring', 'prometheus');
    const other = (await server.serviceAccount('monitoring', 'other')).kubeConfig.getCurrentUser()?.token;
    if (other === undefined) throw new Error('no token for monitoring/other');
    otherToken = other;
    ownCertificate = await selfSignedCertificate({ hosts: ['127.0.0.1'] });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    for (const child of children) {
      child.kill('SIGTERM');
      await exitCode(child);
    }
    await insecure.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `run` as the controller's ServiceAccount, with secure metrics unless `args` say otherwise. */
  async function startController(args: string[] = []): Promise<{ url: string; stderr: () => string }> {
    const port = await freePort();
    const child = startCli([
      'run',
      '--kubeconfig',
      controllerKubeconfig,
      '--probe-address',
      '127.0.0.1:0',
      '--metrics-address',
      `127.0.0.1:${port}`,
      ...args,
    ]);
    children.push(child);
    const stderr = collect(child.stderr);
    const deadline = Date.now() + 30_000;
    while (!stderr().includes('serving metrics over HTTPS')) {
      if (child.exitCode !== null) throw new Error(`run exited ${child.exitCode}:\n${stderr()}`);
      if (Date.now() > deadline) throw new Error(`run did not serve metrics in 30 s:\n${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { url: `https://127.0.0.1:${port}/metrics`, stderr };
  }

  async function scrape(url: string, token?: string, dispatcher: Agent = insecure) {
    const response = await request(url, {
      dispatcher,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.statusCode, body: await response.body.text() };
  }

  it('answers 401 without a token or with an unknown one, 403 without the role, 200 with it', async () => {
    const { url, stderr } = await startController();
    await expect(scrape(url)).resolves.toEqual({ status: 401, body: 'Unauthorized\n' });
    await expect(scrape(url, 'not-a-token')).resolves.toEqual({ status: 401, body: 'Unauthorized\n' });
    await expect(scrape(url, otherToken)).resolves.toEqual({
      status: 403,
      body: 'Authorization denied for user system:serviceaccount:monitoring:other\n',
    });
    const allowed = await scrape(url, prometheusToken);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain('paiflow_controller_info{');
    // Its own requests counted: the list and watch of PipelineRunNodes, the reviews above.
    expect(allowed.body).toMatch(
      /rest_client_requests_total\{code="201",method="POST",host="127\.0\.0\.1:\d+"\} [1-9]/,
    );
    expect(stderr()).not.toContain(prometheusToken);
    expect(stderr()).not.toContain(otherToken);
  });

  it('serves the certificate it is given, which a client that trusts it verifies', async () => {
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    writeFileSync(certFile, ownCertificate.cert);
    writeFileSync(keyFile, ownCertificate.key);
    const { url } = await startController(['--metrics-cert-file', certFile, '--metrics-key-file', keyFile]);
    const verifying = new Agent({ connect: { ca: ownCertificate.cert } });
    try {
      await expect(scrape(url, prometheusToken, verifying)).resolves.toMatchObject({ status: 200 });
    } finally {
      await verifying.close();
    }
  });
});
