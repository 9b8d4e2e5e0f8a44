import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { buildHint, findBinaries } from '../kube-apiserver/binaries.ts';
import { startKubeApiServer } from './kube-apiserver.ts';
import { waitFor } from './wait.ts';

/**
 * The Kubernetes API server an end-to-end test runs against, behind one async interface: the real
 * kube-apiserver (the default wherever its binaries are built, and required in CI) or kube-sim (for
 * the tests that inject faults, count requests or cut watches, which only kube-sim can do).
 * Either way the CRD is installed; on the real server the controller's identity is its ServiceAccount,
 * bound by deploy/namespace.yaml and deploy/rbac, so the controller has exactly what we ship.
 */

export type ServerKind = 'kube-apiserver' | 'kube-sim';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface Cluster {
  kind: ServerKind;
  /** The admin's kubeconfig file, for kubectl. */
  kubeconfigPath: string;
  /** What the controller runs as: its ServiceAccount on the real server, anyone on kube-sim. */
  controllerKubeConfig: KubeConfig;
  create(object: Record<string, unknown>): Promise<void>;
  /** The object as stored; undefined when it does not exist. */
  get(ref: ObjectRef): Promise<Record<string, unknown> | undefined>;
  list(ref: Omit<ObjectRef, 'name'>): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export const CONTROLLER_SERVICE_ACCOUNT = { namespace: 'paiflow-system', name: 'paiflow-controller' };

const root = new URL('../../', import.meta.url).pathname;

export function readManifests(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(join(root, path), 'utf8')).map(
    (doc) => doc.toJS() as Record<string, unknown>,
  );
}

/**
 * The server kind to use when a test does not insist: PAIFLOW_TEST_SERVER if set, else the real one
 * when built; in CI the real one must be built.
 */
export function defaultServerKind(): ServerKind {
  const asked = process.env.PAIFLOW_TEST_SERVER;
  if (asked === 'kube-apiserver' || asked === 'kube-sim') return asked;
  if (asked !== undefined) {
    throw new Error(`PAIFLOW_TEST_SERVER: expected kube-apiserver or kube-sim, got '${asked}'`);
  }
  if (findBinaries()) return 'kube-apiserver';
  if (process.env.CI) throw new Error(buildHint());
  return 'kube-sim';
}

export async function startKubeSimCluster(): Promise<Cluster & { sim: KubeSim }> {
  const dir = mkdtempSync(join(tmpdir(), 'paiflow-kube-sim-'));
  const sim = new KubeSim();
  sim.create(readManifests('deploy/crd.yaml')[0]!);
  await sim.listen({ host: '127.0.0.1', port: 0 });
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, sim.kubeconfig());
  const controllerKubeConfig = new KubeConfig();
  controllerKubeConfig.loadFromFile(kubeconfigPath);
  return {
    kind: 'kube-sim',
    sim,
    kubeconfigPath,
    controllerKubeConfig,
    create: (object) => {
      sim.create(object);
      return Promise.resolve();
    },
    get: (ref) => Promise.resolve(sim.get(ref)),
    list: (ref) => Promise.resolve(sim.list(ref)),
    close: async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startKubeApiServerCluster(): Promise<Cluster> {
  const server = await startKubeApiServer();
  try {
    const objects = server.admin.makeApiClient(KubernetesObjectApi);
    const rbac = readdirSync(join(root, 'deploy/rbac')).map((file) => `deploy/rbac/${file}`);
    for (const path of ['deploy/crd.yaml', 'deploy/namespace.yaml', ...rbac]) {
      for (const object of readManifests(path)) await objects.create(object);
    }
    // The CRD's REST endpoint appears shortly after the CRD is created.
    await waitFor(
      () =>
        objects.list('paiflow.dev/v1alpha1', 'PipelineRunNode').then(
          () => true,
          () => false,
        ),
      'the PipelineRunNode API to be served',
      30_000,
    );
    const controller = await server.serviceAccount(
      CONTROLLER_SERVICE_ACCOUNT.namespace,
      CONTROLLER_SERVICE_ACCOUNT.name,
    );
    return {
      kind: 'kube-apiserver',
      kubeconfigPath: server.kubeconfigPath,
      controllerKubeConfig: controller.kubeConfig,
      create: async (object) => {
        await objects.create(object);
      },
      get: async (ref) => {
        try {
          const header = {
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: { name: ref.name, namespace: ref.namespace },
          };
          return (await objects.read(header)) as unknown as Record<string, unknown>;
        } catch (error) {
          if (error instanceof ApiException && error.code === 404) return undefined;
          throw error;
        }
      },
      list: async (ref) =>
        (await objects.list(ref.apiVersion, ref.kind, ref.namespace)).items as unknown as Record<
          string,
          unknown
        >[],
      close: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
