import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { runKubectl, type KubectlResult } from '../support/kubectl-run.ts';
import {
  describeWithKubeApiServer,
  START_TIMEOUT_MS,
  startKubeApiServer,
  type Ready,
  type TestKubeApiServer,
} from '../support/kube-apiserver.ts';
import { waitFor } from '../support/environment.ts';

/**
 * The first acceptance check, against the harness `npm run kube-apiserver` is: the real
 * server's version, the install manifests apply, the controller's ServiceAccount kubeconfig (a token
 * from TokenRequest) may read PipelineRunNodes everywhere and list Secrets nowhere, and stopping it
 * (or killing whoever started it) leaves no process and no data folder.
 */

const root = new URL('../../', import.meta.url).pathname;
const SERVICE_ACCOUNT = 'paiflow-system/paiflow-controller';

/** Pids of live processes whose command line mentions `text` (e.g. the data folder). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
}

describeWithKubeApiServer('npm run kube-apiserver', () => {
  let server: TestKubeApiServer;
  let serviceAccountKubeconfig: string;
  const admin = (...args: string[]): Promise<KubectlResult> =>
    runKubectl(args, { kubeconfig: server.kubeconfigPath });
  const asController = (...args: string[]): Promise<KubectlResult> =>
    runKubectl(args, { kubeconfig: serviceAccountKubeconfig });

  beforeAll(async () => {
    server = await startKubeApiServer({ serviceAccounts: [SERVICE_ACCOUNT] });
    serviceAccountKubeconfig = server.ready.serviceAccounts[SERVICE_ACCOUNT]!;
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await server.stop();
  });

  it('serves the Kubernetes version it was built as', async () => {
    const result = await admin('version', '-o', 'json');
    expect(result.code).toBe(0);
    const version = JSON.parse(result.stdout) as { serverVersion: { gitVersion: string; minor: string } };
    expect(version.serverVersion.gitVersion).toBe(server.version);
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.3\d+\.\d+$/);
  });

  it('accepts the CRD and deploy/rbac; the ServiceAccount may get PipelineRunNodes but not list Secrets', async () => {
    expect(await admin('apply', '-f', join(root, 'deploy/crd.yaml'))).toMatchObject({ code: 0 });
    expect(await admin('apply', '-f', join(root, 'deploy/rbac/'))).toMatchObject({ code: 0 });
    expect(
      await admin('wait', '--for=condition=Established', '--timeout=30s', 'crd/pipelinerunnodes.paiflow.dev'),
    ).toMatchObject({ code: 0 });

    expect(await asController('get', 'prn', '-A')).toMatchObject({ code: 0 });
    for (const scope of [['-A'], ['-n', 'paiflow-system'], ['-n', 'default']]) {
      const secrets = await asController('get', 'secrets', ...scope);
      expect(secrets.code).not.toBe(0);
      expect(secrets.stderr).toContain(
        'User "system:serviceaccount:paiflow-system:paiflow-controller" cannot list resource "secrets"',
      );
    }
  });

  it(
    'stops on SIGTERM, leaving no process and no data folder',
    async () => {
      const other = await startKubeApiServer();
      const dataDir = other.ready.dataDir;
      const processes = processesMentioning(dataDir);
      expect(processes.length).toBe(2); // etcd and kube-apiserver
      await other.stop();
      expect(existsSync(dataDir)).toBe(false);
      expect(processesMentioning(dataDir)).toEqual([]);
      expect(processes.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
    },
    START_TIMEOUT_MS,
  );

  it(
    'cleans up when whoever started it is killed with SIGKILL',
    async () => {
      // A stand-in for a test runner: starts the harness, reports where its data is, then is killed.
      const runner = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { startKubeApiServer } from ${JSON.stringify(join(root, 'test/support/kube-apiserver.ts'))};
         const server = await startKubeApiServer();
         console.log(JSON.stringify(server.ready));
         setInterval(() => {}, 1000);`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const ready = await new Promise<Ready>((resolve, reject) => {
        let out = '';
        runner.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('\n')) resolve(JSON.parse(out) as Ready);
        });
        runner.on('exit', (code) => reject(new Error(`runner exited (${code}) before the server was ready`)));
      });
      expect(processesMentioning(ready.dataDir).length).toBe(2);
      runner.kill('SIGKILL');
      await waitFor(
        () => !existsSync(ready.dataDir) && processesMentioning(ready.dataDir).length === 0,
        'etcd and kube-apiserver gone and their data folder deleted',
        20_000,
      );
    },
    START_TIMEOUT_MS,
  );
});
