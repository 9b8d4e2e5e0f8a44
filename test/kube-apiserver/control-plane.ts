import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeBinaries } from './binaries.ts';
import { createPki, issueClientCertificate, type ClientCertificate, type Pki } from './pki.ts';

/**
 * etcd + kube-apiserver on free loopback ports, all state in one temporary folder: what
 * controller-runtime's envtest starts, without a controller-manager (so no garbage collection, no
 * namespace deletion and no token controller: TokenRequest issues ServiceAccount tokens).
 * Authorization is RBAC; the admin is a client certificate in `system:masters`.
 */

export interface ControlPlaneOptions {
  binaries: KubeBinaries;
  /** Parent of the data folder; the OS temp folder by default. */
  parentDir?: string;
  startTimeoutMs?: number;
}

export interface RunningControlPlane {
  url: string;
  dataDir: string;
  pki: Pki;
  admin: ClientCertificate;
}

/** setpriv makes the kernel kill a child when its parent dies, however the parent dies (Linux only). */
const SETPRIV = '/usr/bin/setpriv';

export class ControlPlane {
  readonly #options: ControlPlaneOptions;
  readonly #processes: { name: string; child: ChildProcess; log: string }[] = [];
  #dataDir: string | undefined;
  #stopping = false;
  #reportCrash: (why: string) => void = () => undefined;
  readonly #crashed = new Promise<string>((resolve) => (this.#reportCrash = resolve));

  constructor(options: ControlPlaneOptions) {
    this.#options = options;
  }

  async start(): Promise<RunningControlPlane> {
    const dataDir = mkdtempSync(join(this.#options.parentDir ?? tmpdir(), 'paiflow-kube-'));
    this.#dataDir = dataDir;
    try {
      const pkiDir = join(dataDir, 'pki');
      mkdirSync(pkiDir);
      const pki = await createPki(pkiDir);
      const admin = await issueClientCertificate(pkiDir, 'admin', ['system:masters']);
      const [etcdClient, etcdPeer, apiserverPort] = await freePorts(3);
      const etcdUrl = `http://127.0.0.1:${etcdClient}`;
      const peerUrl = `http://127.0.0.1:${etcdPeer}`;
      this.#spawn('etcd', this.#options.binaries.etcd, [
        '--name=default',
        `--data-dir=${join(dataDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        // A test server's data is thrown away: no need to wait for the disk.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ]);
      this.#spawn('kube-apiserver', this.#options.binaries.kubeApiServer, [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // The `kubernetes` Service's endpoints may not be loopback, and nothing here routes to it anyway.
        '--endpoint-reconciler-type=none',
        `--secure-port=${apiserverPort}`,
        `--cert-dir=${join(dataDir, 'apiserver')}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.serviceAccountPublicKey}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
      ]);
      const url = `https://127.0.0.1:${apiserverPort}`;
      await this.#waitReady(url, pki, admin);
      return { url, dataDir, pki, admin };
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Resolves, with the last lines of its log, when etcd or kube-apiserver exits before stop(). */
  get crashed(): Promise<string> {
    return this.#crashed;
  }

  /** Stops kube-apiserver, then etcd, and deletes the data folder. Safe to call more than once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const { child } of this.#processes.reverse()) await terminate(child);
    this.#processes.length = 0;
    if (this.#dataDir) rmSync(this.#dataDir, { recursive: true, force: true });
    this.#dataDir = undefined;
  }

  #spawn(name: string, binary: string, args: string[]): void {
    const log = join(this.#dataDir!, `${name}.log`);
    const [command, argv] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', binary, ...args]]
      : [binary, args];
    // Its own process group: a Ctrl-C in the terminal reaches only us, and we stop the servers in order.
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out = createWriteStream(log);
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    child.on('exit', (code, signal) => {
      if (!this.#stopping) this.#reportCrash(`${name} exited (${signal ?? `exit ${code}`}):\n${tail(log)}`);
    });
    this.#processes.push({ name, child, log });
  }

  async #waitReady(url: string, pki: Pki, admin: ClientCertificate): Promise<void> {
    const deadline = Date.now() + (this.#options.startTimeoutMs ?? 90_000);
    let last = 'no answer yet';
    for (;;) {
      const exited = this.#processes.find(
        ({ child }) => child.exitCode !== null || child.signalCode !== null,
      );
      if (exited) throw new Error(`${exited.name} exited during start-up:\n${tail(exited.log)}`);
      if (Date.now() > deadline) {
        const logs = this.#processes.map(({ name, log }) => `--- ${name}\n${tail(log)}`).join('\n');
        throw new Error(
          `kube-apiserver not ready at ${url}/readyz after start-up timeout (${last}):\n${logs}`,
        );
      }
      last = await readyz(url, pki, admin).catch((error: unknown) => String(error));
      if (last === 'ok') return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function readyz(url: string, pki: Pki, admin: ClientCertificate): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/readyz`,
      { ca: readFileSync(pki.caCert), cert: admin.cert, key: admin.key, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve(res.statusCode === 200 ? body.trim() : `HTTP ${res.statusCode}: ${body}`),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** SIGTERM, then SIGKILL if the process has not exited after 10 s. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Ports the OS reports free now. Another process may take one before our server binds it; start-up
 * then fails with "address already in use" in the log, and the caller may retry.
 */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
