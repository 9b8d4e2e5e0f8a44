import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiException, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { buildHint, findBinaries } from '../kube-apiserver/binaries.ts';
import { startKubeApiServer, type TestKubeApiServer } from './kube-apiserver.ts';
import { startKubeSimServer } from './kube-sim-server.ts';
import { runKubectl } from './kubectl-run.ts';
import { waitFor } from './wait.ts';

/**
 * The Kubernetes API server an end-to-end test runs against, behind one async interface: the real
 * kube-apiserver (the default wherever its binaries are built, and required in CI) or kube-sim (for
 * the tests that inject faults, count requests or cut watches, which only kube-sim can do).
 * Either way the CRD is installed; on the real server the controller's identity is its ServiceAccount
 * (deploy/namespace.yaml, deploy/rbac/serviceaccount.yaml) bound as RbacMode says, so the controller has
 * exactly what we ship and nothing more.
 */

export type ServerKind = 'kube-apiserver' | 'kube-sim';

/**
 * How the controller's ServiceAccount is bound on the real server: `cluster-wide`, deploy/rbac's
 * ClusterRole and ClusterRoleBinding (the default install), or `namespaced`, the chart's and
 * deploy/namespaced's mode: a Role and RoleBinding in each namespace a test creates, and the controller
 * started with --namespaces. kube-sim authorizes everything: there it only decides --namespaces.
 */
export type RbacMode = 'cluster-wide' | 'namespaced';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface Cluster {
  kind: ServerKind;
  rbac: RbacMode;
  /** The admin's kubeconfig file, for kubectl. */
  kubeconfigPath: string;
  /** What the controller runs as: its ServiceAccount on the real server, anyone on kube-sim. */
  controllerKubeConfig: KubeConfig;
  /** The real server's harness (users, ServiceAccounts); undefined on kube-sim. */
  server?: TestKubeApiServer;
  /** Creates a namespace for a test; in the namespaced mode, with the controller's Role in it. */
  createNamespace(name: string): Promise<void>;
  create(object: Record<string, unknown>): Promise<void>;
  /** The object as stored; undefined when it does not exist. */
  get(ref: ObjectRef): Promise<Record<string, unknown> | undefined>;
  list(ref: Omit<ObjectRef, 'name'>): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * Which Role gives the controller its Leases in paiflow-system: `leader-election`, deploy/rbac's (for
 * --leader-elect, the default install), or `shard-ring`, deploy/sharding's instead (for --sharding,
 * which renders the ring's Role and not the leader election's).
 */
export type LeaseRole = 'leader-election' | 'shard-ring';

const SHARD_RING_RBAC = [
  'deploy/sharding/shard-ring-role.yaml',
  'deploy/sharding/shard-ring-rolebinding.yaml',
];

export const CONTROLLER_SERVICE_ACCOUNT = { namespace: 'paiflow-system', name: 'paiflow-controller' };

const root = new URL('../../', import.meta.url).pathname;

export function readManifests(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(join(root, path), 'utf8')).map(
    (doc) => doc.toJS() as Record<string, unknown>,
  );
}

/** PAIFLOW_TEST_RBAC, `cluster-wide` when unset. */
export function defaultRbacMode(): RbacMode {
  const asked = process.env.PAIFLOW_TEST_RBAC ?? 'cluster-wide';
  if (asked === 'cluster-wide' || asked === 'namespaced') return asked;
  throw new Error(`PAIFLOW_TEST_RBAC: expected cluster-wide or namespaced, got '${asked}'`);
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

export async function startKubeSimCluster(
  rbac: RbacMode = defaultRbacMode(),
): Promise<Cluster & { sim: KubeSim }> {
  const sim = new KubeSim();
  sim.create(readManifests('deploy/crd.yaml')[0]!);
  const { kubeconfigPath, stop } = await startKubeSimServer(sim);
  const controllerKubeConfig = new KubeConfig();
  controllerKubeConfig.loadFromFile(kubeconfigPath);
  return {
    kind: 'kube-sim',
    rbac,
    sim,
    kubeconfigPath,
    controllerKubeConfig,
    createNamespace: (name) => {
      sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return Promise.resolve();
    },
    create: (object) => {
      sim.create(object);
      return Promise.resolve();
    },
    get: (ref) => Promise.resolve(sim.get(ref)),
    list: (ref) => Promise.resolve(sim.list(ref)),
    close: stop,
  };
}

/**
 * The real kube-apiserver with what a cluster administrator installs: the CRD, the controller's
 * namespace and ServiceAccount, and its RBAC (see RbacMode), applied with the real kubectl as
 * docs/install.md does. (Not with client-node: its typed serializer drops every field of a CRD schema
 * it has no model name for, `default` and `x-kubernetes-validations` among them, kubernetes-client/
 * javascript#2483, and the CRD loses its defaults and CEL rules without a word.)
 */
export async function startKubeApiServerCluster(
  rbac: RbacMode = defaultRbacMode(),
  leaseRole: LeaseRole = 'leader-election',
): Promise<Cluster> {
  const server = await startKubeApiServer();
  try {
    const objects = server.admin.makeApiClient(KubernetesObjectApi);
    // Everything in deploy/rbac; the namespaced mode leaves out the paiflow-controller ClusterRole and
    // its binding, as deploy/namespaced does, and grants a Role per namespace instead; the shard ring
    // mode swaps the leader election Role for the ring's.
    const install = ['deploy/crd.yaml', 'deploy/namespace.yaml'];
    for (const file of readdirSync(join(root, 'deploy/rbac')).sort()) {
      if (rbac === 'namespaced' && /^clusterrole(binding)?\.yaml$/.test(file)) continue;
      if (leaseRole === 'shard-ring' && /^leader-election-role(binding)?\.yaml$/.test(file)) continue;
      install.push(`deploy/rbac/${file}`);
    }
    if (leaseRole === 'shard-ring') install.push(...SHARD_RING_RBAC);
    await applyManifests(server.kubeconfigPath, install.map((path) => readManifests(path)).flat());
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
      rbac,
      kubeconfigPath: server.kubeconfigPath,
      controllerKubeConfig: controller.kubeConfig,
      server,
      createNamespace: async (name) => {
        await objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
        if (rbac === 'namespaced') await applyManifests(server.kubeconfigPath, namespacedRole(name));
      },
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

/**
 * The Role and RoleBinding of the namespaced mode for `namespace`: deploy/namespaced/role-team-a.yaml
 * with its namespace replaced (the chart renders the same objects: test/packaging/helm.test.ts).
 */
export function namespacedRole(namespace: string): Record<string, unknown>[] {
  return readManifests('deploy/namespaced/role-team-a.yaml').map((object) => ({
    ...object,
    metadata: { ...(object.metadata as object), namespace },
  }));
}

/** `kubectl apply` of `objects` as admin; throws with kubectl's stderr when it fails. */
export async function applyManifests(kubeconfig: string, objects: Record<string, unknown>[]): Promise<void> {
  const list = { apiVersion: 'v1', kind: 'List', items: objects };
  const result = await runKubectl(['apply', '-f', '-'], { kubeconfig, input: JSON.stringify(list) });
  if (result.code !== 0) throw new Error(`kubectl apply failed (exit ${result.code}): ${result.stderr}`);
}
