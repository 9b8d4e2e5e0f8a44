import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  collect,
  exitCode,
  freePort,
  startCli,
  type Child,
} from '../../src/cli/commands/child-process.test-helper.ts';
import type { Cluster } from './cluster.ts';
import { KubeApiProxy, writeProxiedKubeconfig } from './kube-api-proxy.ts';

/**
 * Several real controller processes (`paiflow-controller run`) against one real API server, as the
 * controller's ServiceAccount, for the leader election and sharding acceptance tests. Each replica
 * has its own PAIFlow AccessKey (the simulator counts calls per key) and reaches the API server
 * through its own loopback proxy, which records its requests (and can be cut): so who wrote what is
 * known from outside the controller. Replica `i` is named `replica-<i>` (its POD_NAME).
 */

/** The PAIFlow AccessKey of replica `i`; give the simulator those of every replica a test starts. */
export const accessKey = (i: number): { accessKeyId: string; accessKeySecret: string } => ({
  accessKeyId: `LTAI-replica-${i}`,
  accessKeySecret: `secret-of-replica-${i}`,
});

/** One line of a replica's JSON log. */
export interface LogLine {
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface Replica {
  name: string;
  accessKeyId: string;
  proxy: KubeApiProxy;
  child: Child;
  exited: Promise<number | null>;
  readyz: string;
  metricsUrl: string;
  /** The parsed JSON log lines so far. */
  log(): LogLine[];
}

const WRITE = /^(PUT|PATCH|POST|DELETE)$/;
const RECONCILE_WRITE = /\/(pipelinerunnodes\/[^/?]+\/status|events)\b/;
const STATUS_WRITE = /\/pipelinerunnodes\/([^/?]+)\/status\b/;

export class ControllerReplicas {
  /** Every replica started, in order, live or not. */
  readonly all: Replica[] = [];
  readonly #cluster: Cluster;
  readonly #args: readonly string[];
  readonly #caPem: string;
  readonly #dir = mkdtempSync(join(tmpdir(), 'paiflow-replicas-'));

  /** `args`: the flags of `run` besides the kubeconfig, the addresses and the PAIFlow credentials. */
  constructor(options: { cluster: Cluster; args: readonly string[] }) {
    this.#cluster = options.cluster;
    this.#args = options.args;
    const ca = options.cluster.server?.admin.getCurrentCluster()?.caData ?? '';
    this.#caPem = Buffer.from(ca, 'base64').toString('utf8');
  }

  /** Starts the next replica; resolves once it runs (not once ready). */
  async add(): Promise<Replica> {
    const i = this.all.length;
    const name = `replica-${i}`;
    const proxy = new KubeApiProxy({ server: this.#cluster.server!.url, caPem: this.#caPem });
    const kubeconfig = join(this.#dir, `kubeconfig-${i}`);
    writeProxiedKubeconfig(kubeconfig, await proxy.listen(), this.#cluster.controllerKubeConfig);
    const key = accessKey(i);
    const probePort = await freePort();
    const metricsPort = await freePort();
    const child = startCli(
      [
        'run',
        `--kubeconfig=${kubeconfig}`,
        ...this.#args,
        '--default-region=cn-hangzhou',
        '--endpoint-allow-list=http://127.0.0.1:*',
        `--probe-address=127.0.0.1:${probePort}`,
        `--metrics-address=127.0.0.1:${metricsPort}`,
        '--metrics-secure=false',
        '--shutdown-timeout=5s',
      ],
      {
        POD_NAME: name,
        ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret,
      },
    );
    collect(child.stdout);
    // The controller logs to stderr, one JSON object per line.
    const stderr = collect(child.stderr);
    const replica: Replica = {
      name,
      accessKeyId: key.accessKeyId,
      proxy,
      child,
      exited: exitCode(child),
      readyz: `http://127.0.0.1:${probePort}/readyz`,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      log: () =>
        stderr()
          .split('\n')
          .slice(0, -1) // the last line may not be complete yet
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as LogLine),
    };
    this.all.push(replica);
    return replica;
  }

  /** The replicas still running. */
  live(): Replica[] {
    return this.all.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
  }

  /** kill -9; resolves with the time of the kill once the process is gone. */
  async kill(replica: Replica): Promise<number> {
    replica.child.kill('SIGKILL');
    const killed = Date.now();
    await replica.exited;
    return killed;
  }

  /** The status and Event writes the replica sent. */
  writes(replica: Replica): { method: string; path: string; at: number }[] {
    return replica.proxy.requests.filter((r) => WRITE.test(r.method) && RECONCILE_WRITE.test(r.path));
  }

  /**
   * The status writes of the replica the API server accepted (a refused one, 409 on a stale
   * resourceVersion, wrote nothing), with the resource's name and when the replica sent them.
   */
  acceptedStatusWrites(replica: Replica): { name: string; at: number }[] {
    return replica.proxy.requests.flatMap((r) => {
      const accepted = WRITE.test(r.method) && r.status !== undefined && r.status < 300;
      const name = accepted ? STATUS_WRITE.exec(r.path)?.[1] : undefined;
      return name === undefined ? [] : [{ name, at: r.at }];
    });
  }

  /** What each replica said last, for a failure's message. */
  lastWords(lines = 6): string {
    return this.all
      .map((r) => {
        const said = r
          .log()
          .slice(-lines)
          .map((l) => JSON.stringify(l).slice(0, 400));
        return `${r.name}:\n  ${said.join('\n  ')}`;
      })
      .join('\n');
  }

  /** Kills what still runs and closes the proxies. */
  async close(): Promise<void> {
    for (const replica of this.all) {
      replica.child.kill('SIGKILL');
      await replica.exited;
      await replica.proxy.close();
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** The first time `replica` logged `msg` (after `since`), or undefined. */
export function loggedAt(replica: Replica, msg: string, since = 0): number | undefined {
  return replica.log().find((line) => line.msg === msg && line.time >= since)?.time;
}
