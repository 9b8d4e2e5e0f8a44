import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { buildHint, findBinaries } from '../kube-apiserver/binaries.ts';
import { kubeConfigFor, writeKubeconfig, type Identity } from '../kube-apiserver/kubeconfig.ts';
import { issueClientCertificate } from '../kube-apiserver/pki.ts';
import { serviceAccountToken } from '../kube-apiserver/service-account.ts';
import { describeWithTools, type Tool } from './tools.ts';

/**
 * The envtest of this project: a real etcd + kube-apiserver per test file, started through
 * `test/kube-apiserver/main.ts` as a child process that stops both servers and deletes their data
 * when we stop it, and also when this process dies however it dies (its stdin, a pipe from us,
 * closes). Use one per file (beforeAll/afterAll) and a fresh namespace per test.
 */

/** beforeAll timeout for startKubeApiServer: etcd and kube-apiserver start in 5-20 s on a busy machine. */
export const START_TIMEOUT_MS = 120_000;

const MAIN = fileURLToPath(new URL('../kube-apiserver/main.ts', import.meta.url));

export interface TestKubeApiServer {
  url: string;
  version: string;
  /** The harness process: it owns etcd and kube-apiserver. */
  pid: number;
  ready: Ready;
  /** The admin's kubeconfig file (a client certificate in system:masters). */
  kubeconfigPath: string;
  admin: KubeConfig;
  /** A user authenticated by a client certificate: RBAC decides what `name` in `groups` may do. */
  user(name: string, groups?: string[]): Promise<Credentials>;
  /** A ServiceAccount (created with its namespace if missing) and a token the server issued for it. */
  serviceAccount(namespace: string, name: string): Promise<Credentials>;
  /** Creates a namespace with a unique name starting with `prefix`. */
  createNamespace(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface Credentials {
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
}

/** What main.ts prints once serving (--json). */
export interface Ready {
  kubeconfig: string;
  server: string;
  version: string;
  dataDir: string;
  /** `NAMESPACE/NAME` to the kubeconfig path, for each --service-account. */
  serviceAccounts: Record<string, string>;
}

export interface StartOptions {
  /** `NAMESPACE/NAME`s passed as --service-account, as `npm run kube-apiserver` users do. */
  serviceAccounts?: string[];
}

/**
 * `describe`, when the binaries are built (and `tools`); otherwise a failing test naming the build
 * command when CI is set (CI must build them: .ci/run does), and a skipped block saying the same elsewhere.
 */
export function describeWithKubeApiServer(name: string, body: () => void, tools: readonly Tool[] = []): void {
  const apiServer: Tool = findBinaries() ? { path: 'kube-apiserver' } : { missing: buildHint() };
  describeWithTools(name, [apiServer, ...tools], body);
}

export async function startKubeApiServer(options: StartOptions = {}): Promise<TestKubeApiServer> {
  const binaries = findBinaries();
  if (!binaries) throw new Error(buildHint());
  // Every file, kubeconfigs included, lives in the data folder, which main.ts deletes.
  const args = [MAIN, '--kube-version', binaries.version];
  for (const account of options.serviceAccounts ?? []) args.push('--service-account', account);
  const child = spawn(process.execPath, [...args, '--json', '--stop-with-stdin'], { stdio: 'pipe' });
  const ready = await readyLine(child);
  const dir = dirname(ready.kubeconfig);
  const admin = new KubeConfig();
  admin.loadFromFile(ready.kubeconfig);
  const caPem = readFileSync(join(ready.dataDir, 'pki', 'ca.crt'), 'utf8');
  const credentials = (file: string, identity: Identity): Credentials => {
    const kubeconfigPath = join(dir, `${file}.kubeconfig`);
    writeKubeconfig(kubeconfigPath, identity);
    return { kubeConfig: kubeConfigFor(identity), kubeconfigPath };
  };
  return {
    url: ready.server,
    version: ready.version,
    pid: child.pid!,
    ready,
    kubeconfigPath: ready.kubeconfig,
    admin,
    async user(name, groups = []) {
      const cert = await issueClientCertificate(join(ready.dataDir, 'pki'), name, groups);
      return credentials(`user-${name}`, {
        server: ready.server,
        caPem,
        user: name,
        certPem: cert.cert,
        keyPem: cert.key,
      });
    },
    async serviceAccount(namespace, name) {
      const token = await serviceAccountToken(admin, { namespace, name });
      const user = `system:serviceaccount:${namespace}:${name}`;
      return credentials(`sa-${namespace}-${name}`, { server: ready.server, caPem, user, token });
    },
    async createNamespace(prefix = 'test') {
      const name = `${prefix}-${randomBytes(4).toString('hex')}`;
      await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
      return name;
    },
    async stop() {
      await stopChild(child);
    },
  };
}

/** The JSON line main.ts prints once serving; rejects with its stderr if it exits first. */
function readyLine(child: ChildProcess): Promise<Ready> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(stdout.slice(0, newline)) as Ready);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      reject(
        new Error(`kube-apiserver harness exited (${signal ?? `exit ${code}`}) before serving:\n${stderr}`),
      ),
    );
  });
}

/** SIGTERM, then wait: main.ts stops both servers, deletes the data folder and exits 0. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`kube-apiserver harness exited ${code ?? 'by a signal'} when stopped`);
}
