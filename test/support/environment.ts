import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import { systemClock } from '../../src/clock/clock.ts';
import { Manager, type ManagerOptions } from '../../src/app/manager.ts';
import { StaticCredentialsProvider } from '../../src/paiflow/index.ts';
import type { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import {
  PaiflowSimulator,
  validateScenario,
  type PaiflowSimulatorOptions,
} from '../../src/sandbox/paiflow-sim/index.ts';
import {
  defaultServerKind,
  readManifests,
  startKubeApiServerCluster,
  startKubeSimCluster,
  type Cluster,
} from './cluster.ts';
import { runKubectl as run, type KubectlResult } from './kubectl-run.ts';
import { waitFor } from './wait.ts';

export type { KubectlResult };
export { waitFor };

/**
 * The world of an end-to-end test: a Kubernetes API server with the real CRD (deploy/crd.yaml) —
 * the real kube-apiserver where built, with the controller as its ServiceAccount under deploy/rbac,
 * else kube-sim (cluster.ts) —, the PAIFlow simulator on a manual clock, and the controller (a
 * Manager, as `run` builds it) polling fast, all over loopback HTTP. Tests drive PAI time with
 * `paiflow.setTime()` and wait on state.
 */

export const NAMESPACE = 'team-a';
export const ACCESS_KEY = { accessKeyId: 'LTAI-e2e', accessKeySecret: 'e2e-secret-0123456789' };
export const CREDENTIALS_SECRET = 'paiflow-credentials';

export interface Environment {
  cluster: Cluster;
  /** Where this environment's Secret and resources live (NAMESPACE unless told otherwise). */
  namespace: string;
  paiflow: PaiflowSimulator;
  manager: Manager;
  kubeconfigPath: string;
  logLines: string[];
  /** Starts a second controller (e.g. after a restart) with the same options. */
  startController(overrides?: Partial<ManagerOptions>): Promise<Manager>;
  close(): Promise<void>;
}

/** An environment on kube-sim, for tests that inject faults, count requests or cut watches. */
export interface KubeSimEnvironment extends Environment {
  kube: KubeSim;
}

export interface EnvironmentOptions {
  runs: unknown[];
  /**
   * A cluster shared with other environments of the same test file (one API server per file): the
   * environment then takes a namespace of its own and leaves the cluster running when it closes.
   */
  shared?: { cluster: Cluster; namespace: string };
  /**
   * false: startController() returns without waiting for the cache to fill (a controller that may not
   * list PipelineRunNodes never fills it). Default true.
   */
  waitForSync?: boolean;
  paiflow?: Partial<PaiflowSimulatorOptions>;
  manager?: Partial<ManagerOptions>;
}

export function readCrd(): Record<string, unknown> {
  return readManifests('deploy/crd.yaml')[0]!;
}

/** An environment on the default server (see defaultServerKind). */
export async function startEnvironment(options: EnvironmentOptions): Promise<Environment> {
  if (options.shared !== undefined) return start(options.shared.cluster, options);
  return start(await startCluster(), options);
}

/** A cluster on the default server, for test files that share it between environments. */
export function startCluster(): Promise<Cluster> {
  return defaultServerKind() === 'kube-sim' ? startKubeSimCluster() : startKubeApiServerCluster();
}

/** Two tenants: one controller watching the environment's namespace and a neighbouring one. */
export interface NeighbourEnvironments {
  env: Environment;
  /** The same environment, seen from the neighbouring namespace. */
  neighbour: Environment;
  /** Closes the environment and its cluster. */
  close(): Promise<void>;
}

/**
 * An environment on a cluster of its own whose controller also watches `namespace`, created before
 * the controller starts (in the namespaced RBAC mode that grants the controller its Role there).
 */
export async function startWithNeighbour(
  namespace: string,
  options: EnvironmentOptions,
): Promise<NeighbourEnvironments> {
  const cluster = await startCluster();
  try {
    await cluster.createNamespace(namespace);
    const env = await start(cluster, {
      ...options,
      shared: { cluster, namespace: NAMESPACE },
      manager: { namespaces: [NAMESPACE, namespace], ...options.manager },
    });
    return {
      env,
      neighbour: { ...env, namespace },
      async close() {
        await env.close();
        await cluster.close();
      },
    };
  } catch (error) {
    await cluster.close();
    throw error;
  }
}

export async function startKubeSimEnvironment(options: EnvironmentOptions): Promise<KubeSimEnvironment> {
  const cluster = await startKubeSimCluster();
  return { ...(await start(cluster, options)), kube: cluster.sim };
}

async function start(cluster: Cluster, options: EnvironmentOptions): Promise<Environment> {
  const namespace = options.shared?.namespace ?? NAMESPACE;
  const closeCluster = options.shared === undefined ? () => cluster.close() : () => Promise.resolve();
  try {
    await cluster.createNamespace(namespace);
    await cluster.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: CREDENTIALS_SECRET, namespace },
      stringData: { ...ACCESS_KEY },
    });
  } catch (error) {
    await closeCluster();
    throw error;
  }
  const paiflow = new PaiflowSimulator({
    accessKeys: [ACCESS_KEY],
    scenario: validateScenario({ settings: { readyToSchedule: '1s', starting: '1s' }, runs: options.runs }),
    clock: { kind: 'manual' },
    ...options.paiflow,
  });
  const paiflowUrl = await paiflow.listen();
  const logLines: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );
  const managers: Manager[] = [];
  const startController = async (overrides: Partial<ManagerOptions> = {}): Promise<Manager> => {
    const manager = new Manager({
      kubeConfig: cluster.controllerKubeConfig,
      // The namespaced mode grants nothing outside the test's namespace: watch only it, as --namespaces does.
      ...(cluster.rbac === 'namespaced' && { namespaces: [namespace] }),
      clock: systemClock,
      log,
      workers: 4,
      defaultPollIntervalMs: 150,
      minPollIntervalMs: 50,
      stalledRetryMs: 1000,
      defaultRegion: 'cn-hangzhou',
      vpcEndpoints: false,
      endpointAllowList: [`${new URL(paiflowUrl).protocol}//127.0.0.1:*`],
      // Not used when a resource names its Secret; a resource without one gets these.
      defaultCredentials: new StaticCredentialsProvider(ACCESS_KEY),
      paiflowQps: 200,
      paiflowBurst: 50,
      paiflowMaxConcurrent: 16,
      paiflowTimeoutMs: 2000,
      reconcileTimeoutMs: 10_000,
      probeAddress: { host: '127.0.0.1', port: 0 },
      ...options.manager,
      ...overrides,
    });
    managers.push(manager);
    if (options.waitForSync === false) {
      manager.start().catch((error: unknown) => log.error({ err: error }, 'manager failed to start'));
    } else {
      await manager.start();
    }
    return manager;
  };
  const manager = await startController();
  return {
    cluster,
    namespace,
    paiflow,
    manager,
    kubeconfigPath: cluster.kubeconfigPath,
    logLines,
    startController,
    async close() {
      for (const m of managers) await m.stop(1000);
      await paiflow.close();
      await closeCluster();
    },
  };
}

/** A PipelineRunNode in the test namespace, with the credentials Secret and the simulator as endpoint. */
export function pipelineRunNode(
  env: Environment,
  name: string,
  spec: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name, namespace: env.namespace },
    spec: { endpoint: env.paiflow.endpoint, credentialsSecretRef: { name: CREDENTIALS_SECRET }, ...spec },
  };
}

/** The PipelineRunNode `name` in the test namespace as the server stores it; undefined if absent. */
export async function getResource(env: Environment, name: string): Promise<PipelineRunNode | undefined> {
  return (await env.cluster.get({
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    namespace: env.namespace,
    name,
  })) as PipelineRunNode | undefined;
}

export function condition(
  resource: PipelineRunNode | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return resource?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the resource exists and satisfies `predicate`; resolves to it. */
export function waitForResource(
  env: Environment,
  name: string,
  predicate: (resource: PipelineRunNode) => boolean,
  what: string,
  timeoutMs?: number,
): Promise<PipelineRunNode> {
  return waitFor(
    async () => {
      const resource = await getResource(env, name);
      return resource !== undefined && predicate(resource) && resource;
    },
    `${name}: ${what}`,
    timeoutMs,
  );
}

/** How many times the simulator was asked for `runId/nodeId` (ListPipelineRunNodeStatus). */
export function pollsOf(env: Environment, runId: string, nodeId: string): number {
  return env.paiflow.counts().byNode[`${runId}/${nodeId}`] ?? 0;
}

/** How many requests of any operation the simulator received naming `runId`. */
export function callsFor(env: Environment, runId: string): number {
  return env.paiflow.counts().byRun[runId] ?? 0;
}

/**
 * Waits until another (still running) node has been polled `count` more times: "several poll
 * intervals have passed" measured by the controller's own progress instead of by sleeping.
 */
export async function waitForPolls(
  env: Environment,
  ticker: { runId: string; nodeId: string },
  count: number,
): Promise<void> {
  const target = pollsOf(env, ticker.runId, ticker.nodeId) + count;
  await waitFor(
    () => pollsOf(env, ticker.runId, ticker.nodeId) >= target,
    `${count} more polls of ${ticker.runId}/${ticker.nodeId}`,
  );
}

/** A core/v1 Event, as far as the tests read it. */
export interface CoreEvent {
  metadata: { name: string; namespace: string };
  involvedObject: { apiVersion?: string; kind?: string; name?: string; uid?: string };
  type: string;
  reason: string;
  message: string;
  count?: number;
}

/** The core/v1 Events about the PipelineRunNode `name` in the test namespace, as the server stores them. */
export async function eventsAbout(env: Environment, name: string): Promise<CoreEvent[]> {
  const events = (await env.cluster.list({
    apiVersion: 'v1',
    kind: 'Event',
    namespace: env.namespace,
  })) as unknown as CoreEvent[];
  return events.filter((e) => e.involvedObject.kind === 'PipelineRunNode' && e.involvedObject.name === name);
}

/** Creates a Secret with `data` given as plain strings. */
export async function createSecret(
  env: Environment,
  name: string,
  data: Record<string, string>,
  namespace = env.namespace,
): Promise<void> {
  await env.cluster.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    stringData: data,
  });
}

/** Runs the real kubectl on PATH against the environment's API server, as admin. */
export function kubectl(env: Environment, ...args: string[]): Promise<KubectlResult> {
  return runKubectl(env, args, undefined);
}

/** Runs the real kubectl with `input` on its stdin (for `apply -f -`); objects are sent as JSON. */
export function kubectlWithInput(
  env: Environment,
  input: string | Record<string, unknown>,
  ...args: string[]
): Promise<KubectlResult> {
  return runKubectl(env, args, typeof input === 'string' ? input : JSON.stringify(input));
}

function runKubectl(env: Environment, args: string[], input: string | undefined): Promise<KubectlResult> {
  return run(args, { kubeconfig: env.kubeconfigPath, ...(input !== undefined && { input }) });
}

/** One PAIFlow API request as the simulator logged it: when it was answered (epoch ms) and how. */
export interface PaiflowRequestRecord {
  at: number;
  operation: string;
  status: number;
  /** `OK`, the error Code (`Throttling.User`, ...), or `fault:<kind>`. */
  outcome: string;
}

/**
 * A simulator `logger` (pass it as `startEnvironment({ paiflow: { logger } })`) that records every
 * API request the simulator answered, so a test can check the call rate the simulator saw.
 */
export function paiflowRequestRecorder(): {
  logger: { info(details: object, message: string): void; warn(details: object, message: string): void };
  requests: PaiflowRequestRecord[];
} {
  const requests: PaiflowRequestRecord[] = [];
  return {
    requests,
    logger: {
      info(details) {
        const d = details as Partial<Omit<PaiflowRequestRecord, 'at'>>;
        if (d.operation === undefined || d.outcome === undefined) return;
        requests.push({ at: Date.now(), operation: d.operation, status: d.status ?? 0, outcome: d.outcome });
      },
      warn() {
        // Unexpected simulator errors surface as 500 answers, which the records already show.
      },
    },
  };
}

/**
 * By how many requests the busiest window exceeds a token bucket's bound `burst + qps * W`, over every
 * window [t_i, t_j] between two request times (W in seconds). At most 0 means the bound held.
 */
export function rateLimitExcess(times: readonly number[], rate: { qps: number; burst: number }): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = -Infinity;
  sorted.forEach((from, i) => {
    for (let j = i; j < sorted.length; j++) {
      const windowS = ((sorted[j] ?? from) - from) / 1000;
      worst = Math.max(worst, j - i + 1 - (rate.burst + rate.qps * windowS));
    }
  });
  return worst;
}

/** Status writes (patch or update of `pipelinerunnodes/status`) kube-sim has served. */
export function statusWrites(env: KubeSimEnvironment): number {
  const status = { group: 'paiflow.dev', resource: 'pipelinerunnodes', subresource: 'status' };
  return (
    env.kube.counters.count({ ...status, verb: 'patch' }) +
    env.kube.counters.count({ ...status, verb: 'update' })
  );
}
