import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { parseAllDocuments } from 'yaml';
import type { PipelineRunNode } from '../api/v1alpha1.ts';
import type { Clock, Timer } from '../clock/clock.ts';
import { StaticCredentialsProvider } from '../paiflow/index.ts';
import { KubeSim } from '../sandbox/kube-sim/kube-sim.ts';
import { PaiflowSimulator, parseScenarioYaml, type AccessKey } from '../sandbox/paiflow-sim/index.ts';
import { parseDurationMs } from '../util/duration.ts';
import { Manager } from './manager.ts';

/**
 * The annotation a sample declares its expected state with: the Ready condition's reason
 * (Succeeded, Failed, NodeSuspended, Suspended, ...) or the PAI status (`status.phase`, e.g.
 * Running) the sample settles in. Resources without it (e.g. created with kubectl) are shown but
 * never waited for.
 */
export const EXPECT_ANNOTATION = 'paiflow.dev/sandbox-expect';

type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string };

const PRN = { apiVersion: 'paiflow.dev/v1alpha1', kind: 'PipelineRunNode' };
const SAMPLE_NAMESPACE = 'default';
// The controller's own defaults (run.ts), divided by --speed: the sandbox plays PAI time faster,
// so it polls faster too; floors keep a high speed from turning polling into a busy loop.
const DEFAULT_POLL_MS = 30_000;
const MIN_POLL_MS = 10_000;
const POLL_FLOOR_MS = 200;
// The CRD's ceiling of spec.pollInterval.
const POLL_CEILING_MS = 24 * 3_600_000;

export interface SandboxOptions {
  /** Holds crd.yaml and samples/ (every *.yaml there is applied; paiflow-scenario.yaml is the scenario). */
  deployDir: string;
  /** PAI time runs this many times faster than the wall clock. */
  speed: number;
  /** Where every server listens (each on a free port). */
  host: string;
  /** The key the simulator accepts; it goes into the samples' credentials Secrets. */
  accessKey: AccessKey;
  clock: Clock;
  /** The controller's and simulator's log. */
  log: Logger;
  version: string;
  /** How often the samples' state is read. @default 200 */
  refreshMs?: number;
  /** Called with every sample's state whenever one of them changed. */
  onProgress?: (states: readonly SampleState[]) => void;
}

/** One PipelineRunNode as the sandbox shows it: the printer columns plus what it should reach. */
export interface SampleState {
  namespace: string;
  name: string;
  node: string;
  status: string;
  progress: string;
  ready: string;
  /** The Ready condition's reason. */
  reason: string;
  /** The `paiflow.dev/sandbox-expect` annotation; undefined: not a sample. */
  expected: string | undefined;
  /** The expected state is reached (false for non-samples). */
  reached: boolean;
}

/**
 * `paiflow-controller sandbox`: kube-sim with the CRD, the PAIFlow simulator playing the sample
 * scenario, the controller (a Manager as `run` builds it) and the samples of deploy/samples applied,
 * pointed at the simulator. The constructor starts nothing; `start()` starts everything, `stop()`
 * stops it in reverse order.
 */
export class Sandbox {
  readonly #options: SandboxOptions;
  readonly #kube = new KubeSim();
  #paiflow: PaiflowSimulator | undefined;
  #manager: Manager | undefined;
  #paiflowUrl = '';
  #timer: Timer | undefined;
  #lastRendered = '';

  constructor(options: SandboxOptions) {
    this.#options = options;
  }

  /** A kubeconfig for kube-sim (after `start`). */
  kubeconfig(): string {
    return this.#kube.kubeconfig();
  }

  get kubeUrl(): string {
    return this.#kube.url;
  }

  get paiflowUrl(): string {
    return this.#paiflowUrl;
  }

  /** The simulator's admin API (GET `runs` lists the runs and their status). */
  get paiflowAdminUrl(): string {
    return `${this.#paiflowUrl}/_sim/runs`;
  }

  get metricsUrl(): string | undefined {
    return this.#manager?.metricsUrl;
  }

  async start(): Promise<void> {
    const { deployDir, speed, host, accessKey, log } = this.#options;
    const samplesDir = join(deployDir, 'samples');
    for (const crd of await readObjects(join(deployDir, 'crd.yaml'))) this.#kube.create(crd);
    await this.#kube.listen({ host, port: 0 });
    const scenario = parseScenarioYaml(await readFile(join(samplesDir, 'paiflow-scenario.yaml'), 'utf8'));
    this.#paiflow = new PaiflowSimulator({
      accessKeys: [accessKey],
      scenario,
      clock: { kind: 'wall', speed },
      logger: log.child({ component: 'paiflow-sim' }),
    });
    this.#paiflowUrl = await this.#paiflow.listen({ host, port: 0 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(this.#kube.kubeconfig());
    const defaultPollIntervalMs = Math.max(POLL_FLOOR_MS, Math.round(DEFAULT_POLL_MS / speed));
    this.#manager = new Manager({
      kubeConfig,
      clock: this.#options.clock,
      log,
      workers: 4,
      defaultPollIntervalMs,
      minPollIntervalMs: Math.min(defaultPollIntervalMs, Math.max(POLL_FLOOR_MS, MIN_POLL_MS / speed)),
      stalledRetryMs: defaultPollIntervalMs * 10,
      secretCacheTtlMs: 1000,
      vpcEndpoints: false,
      endpointAllowList: [new URL(this.#paiflowUrl).origin],
      defaultCredentials: new StaticCredentialsProvider(accessKey),
      paiflowQps: 50,
      paiflowBurst: 20,
      paiflowMaxConcurrent: 8,
      paiflowTimeoutMs: 5000,
      reconcileTimeoutMs: 30_000,
      metrics: {
        registry: new Registry(),
        version: this.#options.version,
        perObjectMetrics: true,
        address: { host, port: 0 },
      },
    });
    await this.#manager.start();
    const files = (await readdir(samplesDir)).filter((f) => f.endsWith('.yaml')).sort();
    const samples: KubeObject[] = [];
    for (const file of files) samples.push(...(await readObjects(join(samplesDir, file))));
    for (const sample of pointAtSimulator(samples, this.#paiflowUrl, accessKey, speed)) {
      this.#kube.create(sample);
    }
    this.#refresh();
  }

  /** Every PipelineRunNode's state, samples first in the order they were applied. */
  states(): SampleState[] {
    return this.#kube.list(PRN).map((object) => sampleState(object as unknown as PipelineRunNode));
  }

  /** The samples that have not reached their expected state. */
  unmet(): SampleState[] {
    return this.states().filter((s) => s.expected !== undefined && !s.reached);
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#manager?.stop(1000);
    await this.#paiflow?.close();
    await this.#kube.close();
  }

  #refresh(): void {
    const states = this.states();
    const rendered = JSON.stringify(states);
    if (rendered !== this.#lastRendered) {
      this.#lastRendered = rendered;
      this.#options.onProgress?.(states);
    }
    this.#timer = this.#options.clock.setTimer(() => {
      this.#refresh();
    }, this.#options.refreshMs ?? 200);
  }
}

/** The state of one resource, with whether it reached its `paiflow.dev/sandbox-expect`. */
export function sampleState(prn: PipelineRunNode): SampleState {
  const ready = prn.status?.conditions?.find((c) => c.type === 'Ready');
  const expected = prn.metadata.annotations?.[EXPECT_ANNOTATION];
  const status = prn.status?.phase ?? '';
  const reason = ready?.reason ?? '';
  return {
    namespace: prn.metadata.namespace,
    name: prn.metadata.name,
    node: prn.status?.nodeName ?? '',
    status,
    progress: prn.status?.progress ?? '',
    ready: ready?.status ?? '',
    reason,
    expected,
    reached: expected !== undefined && (expected === status || expected === reason),
  };
}

/**
 * The samples as the sandbox applies them: in the `default` namespace; every PipelineRunNode polls
 * the simulator (spec.endpoint replaces any endpoint or region) with its pollInterval divided by
 * `speed`; every Secret a credentialsSecretRef names holds the simulator's key.
 */
export function pointAtSimulator(
  samples: readonly KubeObject[],
  endpoint: string,
  accessKey: AccessKey,
  speed: number,
): KubeObject[] {
  const rewritten = samples.map((sample) => structuredClone(sample));
  const credentialSecrets = new Set<string>();
  for (const object of rewritten) {
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    metadata.namespace ??= SAMPLE_NAMESPACE;
    object.metadata = metadata;
    if (object.apiVersion !== PRN.apiVersion || object.kind !== PRN.kind) continue;
    const spec = (object.spec ?? {}) as PipelineRunNode['spec'];
    delete spec.region;
    spec.endpoint = endpoint;
    const pollMs = spec.pollInterval === undefined ? undefined : parseDurationMs(spec.pollInterval);
    if (pollMs !== undefined) {
      const scaled = Math.min(POLL_CEILING_MS, Math.max(POLL_FLOOR_MS, Math.round(pollMs / speed)));
      spec.pollInterval = `${String(scaled)}ms`;
    }
    if (spec.credentialsSecretRef !== undefined) credentialSecrets.add(spec.credentialsSecretRef.name);
  }
  for (const object of rewritten) {
    const name = (object.metadata as { name?: string }).name;
    if (object.kind !== 'Secret' || name === undefined || !credentialSecrets.has(name)) continue;
    delete object.data;
    object.stringData = { accessKeyId: accessKey.accessKeyId, accessKeySecret: accessKey.accessKeySecret };
  }
  return rewritten;
}

/** The objects of a multi-document YAML file. */
async function readObjects(file: string): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    const value = doc.toJS() as unknown;
    if (value !== null && typeof value === 'object' && 'kind' in value && 'apiVersion' in value) {
      objects.push(value as KubeObject);
    }
  }
  return objects;
}
