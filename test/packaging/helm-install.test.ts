import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import {
  CONTROLLER_MAY,
  EVERY_USER_MAY,
  LEADER_ELECTION_MAY,
  METRICS_AUTH_MAY,
  permissionsAs,
  SHARD_RING_MAY,
} from '../support/controller-permissions.ts';
import {
  describeWithKubeApiServer,
  START_TIMEOUT_MS,
  startKubeApiServer,
  type TestKubeApiServer,
} from '../support/kube-apiserver.ts';
import { startKubeSimServer, type KubeSimServer } from '../support/kube-sim-server.ts';
import { describeWithTools, HELM_VERSIONS, helmTool, kubectlPath, kubectlTool } from '../support/tools.ts';
import { waitFor } from '../support/wait.ts';
import { chart, ok, runTool } from './helm.ts';

/**
 * `helm install`, `helm upgrade` (changing a value) and `helm uninstall` of the chart with the real
 * Helm 3 and 4, against the real kube-apiserver (one per file) in the chart's cluster-wide and
 * namespaced modes, and from leader election to sharding and back: the objects appear and change, a
 * bad value is refused without a new revision,
 * RBAC then grants the controller's ServiceAccount exactly what it needs (nothing once uninstalled),
 * and uninstalling leaves no release Secret and none of the release's objects (Helm keeps the CRD
 * of crds/ on purpose). Also against kube-sim, which serves `sandbox`, with Helm 4: `helm uninstall`
 * deletes its release Secrets with a protobuf DeleteOptions body, which kube-sim once refused.
 */

const work = mkdtempSync(join(tmpdir(), 'paiflow-helm-install-'));
const NAMESPACE = 'paiflow-system';
const RELEASE = 'paiflow-controller';
const CONTROLLER_USER = `system:serviceaccount:${NAMESPACE}:${RELEASE}`;

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface EnvVar {
  name: string;
  value?: string;
}

/** An API server the chart is installed on, with an admin kubeconfig file. */
interface Target {
  kubeconfigPath: string;
  /**
   * What the controller's ServiceAccount may do in each namespace, by RBAC (the real server only:
   * kube-sim authorizes everything).
   */
  permissions?: (namespace: string) => Promise<string[]>;
}

/** The kinds a release of the chart makes, as kubectl names them. */
const RELEASE_KINDS =
  'deployment,service,serviceaccount,clusterrole,clusterrolebinding,role,rolebinding,networkpolicy,poddisruptionbudget';

/** Helm of one major version, and kubectl, against `target()`, reading what is there. */
function tools(major: string, target: () => Target) {
  const helm = helmTool(major).path ?? 'helm-missing'; // never run: describeWithTools skips or fails first
  const home = join(work, `helm-${major}`);
  const kubeconfig = (): string => target().kubeconfigPath;
  const kubectl = (...args: string[]): Promise<string> => ok(kubectlPath(), args, home, kubeconfig());
  return {
    helm: (...args: string[]): Promise<string> => ok(helm, args, home, kubeconfig()),
    helmResult: (...args: string[]) => runTool(helm, args, home, kubeconfig()),
    /** `helm upgrade` of the release with these flags, expected to succeed. */
    upgrade: (...flags: string[]): Promise<string> =>
      ok(helm, ['upgrade', RELEASE, chart, '-n', NAMESPACE, ...flags], home, kubeconfig()),
    kubectl,
    /** `Kind/namespace/name` of every object labelled as the release's. */
    releaseObjects: async (): Promise<string[]> =>
      (
        await kubectl(
          'get',
          RELEASE_KINDS,
          '-A',
          '-l',
          `app.kubernetes.io/instance=${RELEASE}`,
          '--no-headers',
          '-o',
          'custom-columns=KIND:.kind,NAMESPACE:.metadata.namespace,NAME:.metadata.name',
        )
      )
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split(/\s+/).join('/'))
        .sort(),
    /** The names of the release's Secrets (one per revision). */
    releaseSecrets: async (): Promise<string[]> =>
      (await kubectl('get', 'secrets', '-n', NAMESPACE, '-l', `owner=helm,name=${RELEASE}`, '-o', 'name'))
        .split('\n')
        .filter((line) => line !== '')
        .sort(),
    /** The Deployment's replicas. */
    replicas: async (): Promise<number> =>
      Number(await kubectl('get', 'deployment', RELEASE, '-n', NAMESPACE, '-o', 'jsonpath={.spec.replicas}')),
    controllerEnv: async (): Promise<EnvVar[]> =>
      JSON.parse(
        await kubectl(
          'get',
          'deployment',
          RELEASE,
          '-n',
          NAMESPACE,
          '-o',
          'jsonpath={.spec.template.spec.containers[0].env}',
        ),
      ) as EnvVar[],
  };
}

/** Waits until the ServiceAccount may do `want` in `namespace` (RBAC reaches the authorizer shortly). */
async function expectPermissions(target: Target, namespace: string, want: readonly string[]): Promise<void> {
  if (target.permissions === undefined) return;
  const permissions = target.permissions;
  const expected = [...want, ...EVERY_USER_MAY].sort();
  let got: string[] = [];
  await waitFor(
    async () => {
      got = await permissions(namespace);
      return got.join() === expected.join();
    },
    `${CONTROLLER_USER} to have in ${namespace}: ${want.join(', ') || 'only what every user has'}`,
  ).catch(() => undefined);
  expect({ namespace, permissions: got }).toEqual({ namespace, permissions: expected });
}

/** Leader election's objects, in both modes: the Lease Role and its binding, the PodDisruptionBudget. */
const leaderElectionObjects = [
  `PodDisruptionBudget/${NAMESPACE}/${RELEASE}`,
  `Role/${NAMESPACE}/${RELEASE}-leader-election`,
  `RoleBinding/${NAMESPACE}/${RELEASE}-leader-election`,
];

const clusterWideObjects = [
  `ClusterRole/<none>/${RELEASE}`,
  `ClusterRole/<none>/${RELEASE}-metrics-auth`,
  `ClusterRole/<none>/${RELEASE}-metrics-reader`,
  `ClusterRoleBinding/<none>/${RELEASE}`,
  `ClusterRoleBinding/<none>/${RELEASE}-metrics-auth`,
  `Deployment/${NAMESPACE}/${RELEASE}`,
  `NetworkPolicy/${NAMESPACE}/${RELEASE}`,
  ...leaderElectionObjects,
  `Service/${NAMESPACE}/${RELEASE}-metrics`,
  `ServiceAccount/${NAMESPACE}/${RELEASE}`,
].sort();

/** Install, upgrade with a changed value, a refused bad value, uninstall: in the cluster-wide mode. */
function lifecycleTest(major: string, target: () => Target): void {
  const t = tools(major, target);
  it('installs, upgrades with a changed value, refuses a bad one, and uninstalls leaving no release Secret', async () => {
    const elsewhere = `elsewhere-${major}`;
    await t.kubectl('create', 'namespace', elsewhere);
    await t.helm('install', RELEASE, chart, '-n', NAMESPACE, '--create-namespace');
    expect(await t.releaseSecrets()).toEqual([`secret/sh.helm.release.v1.${RELEASE}.v1`]);
    expect(await t.releaseObjects()).toEqual(clusterWideObjects);
    expect((await t.controllerEnv()).find((e) => e.name === 'PAIFLOW_LOG_LEVEL')).toBeUndefined();
    await t.kubectl('get', 'crd', 'pipelinerunnodes.paiflow.dev');
    await expectPermissions(target(), elsewhere, CONTROLLER_MAY);

    await t.upgrade('--set', 'controller.logLevel=debug');
    expect(await t.controllerEnv()).toContainEqual({ name: 'PAIFLOW_LOG_LEVEL', value: 'debug' });
    const history = JSON.parse(await t.helm('history', RELEASE, '-n', NAMESPACE, '-o', 'json')) as {
      revision: number;
      status: string;
    }[];
    expect(history.map((h) => `${h.revision}:${h.status}`)).toEqual(['1:superseded', '2:deployed']);
    expect(await t.releaseObjects()).toEqual(clusterWideObjects);
    await expectPermissions(target(), elsewhere, CONTROLLER_MAY);

    const bad = await t.helmResult('upgrade', RELEASE, chart, '-n', NAMESPACE, '--set', 'controller.qps=-1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/controller[./]qps/);
    expect(await t.releaseSecrets()).toHaveLength(2);

    expect(await t.helm('uninstall', RELEASE, '-n', NAMESPACE)).toContain(`release "${RELEASE}" uninstalled`);
    expect(await t.releaseSecrets()).toEqual([]);
    expect(await t.releaseObjects()).toEqual([]);
    expect(JSON.parse(await t.helm('list', '-A', '-o', 'json'))).toEqual([]);
    await expectPermissions(target(), elsewhere, []);
  });
}

describeWithTools('Helm 4 against kube-sim', [helmTool('4'), kubectlTool()], () => {
  let server: KubeSimServer;
  beforeAll(async () => {
    server = await startKubeSimServer();
  });
  afterAll(() => server.stop());
  lifecycleTest('4', () => ({ kubeconfigPath: server.kubeconfigPath }));
});

describeWithKubeApiServer(
  'Helm against the real kube-apiserver',
  () => {
    let server: TestKubeApiServer;
    let target: Target;
    beforeAll(async () => {
      server = await startKubeApiServer();
      const admin = new KubeConfig();
      admin.loadFromFile(server.kubeconfigPath);
      target = {
        kubeconfigPath: server.kubeconfigPath,
        permissions: (namespace) => permissionsAs(admin, CONTROLLER_USER, namespace),
      };
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await server.stop();
    });

    // One release at a time on the one server: each test uninstalls what it installed.
    for (const major of HELM_VERSIONS) {
      describeWithTools(`Helm ${major}`, [helmTool(major)], () => {
        const t = tools(major, () => target);
        lifecycleTest(major, () => target);

        it('namespaced (watchNamespaces): a Role per watched namespace and no cluster-wide grant', async () => {
          const watched = [`team-a-${major}`, `team-b-${major}`];
          const elsewhere = `unwatched-${major}`;
          for (const namespace of [...watched, elsewhere]) await t.kubectl('create', 'namespace', namespace);
          const values = ['--set', `watchNamespaces={${watched.join(',')}}`];
          await t.helm('install', RELEASE, chart, '-n', NAMESPACE, '--create-namespace', ...values);
          const namespacedObjects = [
            `ClusterRole/<none>/${RELEASE}-metrics-auth`,
            `ClusterRole/<none>/${RELEASE}-metrics-reader`,
            `ClusterRoleBinding/<none>/${RELEASE}-metrics-auth`,
            `Deployment/${NAMESPACE}/${RELEASE}`,
            `NetworkPolicy/${NAMESPACE}/${RELEASE}`,
            ...leaderElectionObjects,
            ...watched.flatMap((namespace) => [
              `Role/${namespace}/${RELEASE}`,
              `RoleBinding/${namespace}/${RELEASE}`,
            ]),
            `Service/${NAMESPACE}/${RELEASE}-metrics`,
            `ServiceAccount/${NAMESPACE}/${RELEASE}`,
          ].sort();
          expect(await t.releaseObjects()).toEqual(namespacedObjects);
          for (const namespace of watched) await expectPermissions(target, namespace, CONTROLLER_MAY);
          await expectPermissions(target, elsewhere, METRICS_AUTH_MAY);
          // In its own namespace, also its Lease and the Lease's Event.
          await expectPermissions(target, NAMESPACE, [
            ...new Set([...METRICS_AUTH_MAY, ...LEADER_ELECTION_MAY]),
          ]);

          // Upgrading to one namespace fewer takes that namespace's grant away.
          await t.upgrade('--set', `watchNamespaces={${watched[0]}}`);
          expect(await t.releaseObjects()).toEqual(
            namespacedObjects.filter((o) => !o.includes(`/${watched[1]}/`)),
          );
          await expectPermissions(target, watched[0]!, CONTROLLER_MAY);
          await expectPermissions(target, watched[1]!, METRICS_AUTH_MAY);

          await t.helm('uninstall', RELEASE, '-n', NAMESPACE);
          expect(await t.releaseObjects()).toEqual([]);
          expect(await t.releaseSecrets()).toEqual([]);
          for (const namespace of [...watched, elsewhere]) await expectPermissions(target, namespace, []);
        });

        it('upgrades from leader election to sharding and back: the Lease Role gives way to the ring Role, and back', async () => {
          const elsewhere = `sharding-elsewhere-${major}`;
          await t.kubectl('create', 'namespace', elsewhere);
          const modeEnv = async (): Promise<EnvVar[]> =>
            (await t.controllerEnv()).filter((e) =>
              /^PAIFLOW_(SHARD|LEADER_ELECT$|LEADER_ELECTION_ID)/.test(e.name),
            );
          const leaderElection = async (): Promise<void> => {
            expect(await t.releaseObjects()).toEqual(clusterWideObjects);
            expect(await modeEnv()).toEqual([
              { name: 'PAIFLOW_LEADER_ELECT', value: 'true' },
              { name: 'PAIFLOW_LEADER_ELECTION_ID', value: RELEASE },
            ]);
            // Its own Lease by name, and no list: the ring's member Leases are out of reach.
            await expectPermissions(target, NAMESPACE, [
              ...new Set([...CONTROLLER_MAY, ...LEADER_ELECTION_MAY]),
            ]);
            await expectPermissions(target, elsewhere, CONTROLLER_MAY);
          };

          await t.helm('install', RELEASE, chart, '-n', NAMESPACE, '--create-namespace');
          await leaderElection();

          await t.upgrade('--set', 'sharding.enabled=true', '--set', 'replicaCount=3');
          expect(await t.releaseObjects()).toEqual(
            clusterWideObjects.map((o) => o.replace(/-leader-election$/, '-shard-ring')).sort(),
          );
          expect(await modeEnv()).toEqual([
            { name: 'PAIFLOW_SHARDING', value: 'true' },
            { name: 'PAIFLOW_SHARD_RING', value: RELEASE },
          ]);
          expect(await t.replicas()).toBe(3);
          // Every Lease of its own namespace (get, list, create, update, delete), no Event there beyond
          // the cluster-wide grant, and nothing more than before anywhere else.
          await expectPermissions(target, NAMESPACE, [...new Set([...CONTROLLER_MAY, ...SHARD_RING_MAY])]);
          await expectPermissions(target, elsewhere, CONTROLLER_MAY);

          // Both modes at once is refused, and makes no revision.
          const both = await t.helmResult(
            'upgrade',
            RELEASE,
            chart,
            '-n',
            NAMESPACE,
            '--reuse-values',
            '--set',
            'leaderElection.enabled=true',
          );
          expect(both.code).not.toBe(0);
          expect(both.stderr).toContain('sharding.enabled and leaderElection.enabled are both true');
          expect(await t.releaseSecrets()).toHaveLength(2);

          // (Without a value, `helm upgrade` would reuse the last ones: sharding.enabled=false says it.)
          await t.upgrade('--set', 'sharding.enabled=false');
          expect(await t.replicas()).toBe(2);
          await leaderElection();

          await t.helm('uninstall', RELEASE, '-n', NAMESPACE);
          expect(await t.releaseObjects()).toEqual([]);
          await expectPermissions(target, NAMESPACE, []);
        });

        // docs/install.md, "From kubectl apply -k deploy to Helm", command for command.
        it('takes over from kubectl apply -k deploy as docs/install.md says, keeping the PipelineRunNodes', async () => {
          const team = `team-${major}`;
          await t.kubectl('apply', '-k', 'deploy');
          await t.kubectl('create', 'namespace', team);
          await t.kubectl('apply', '-n', team, '-f', 'deploy/samples/prn-succeeds.yaml');
          const refused = await t.helmResult('install', RELEASE, chart, '-n', NAMESPACE);
          expect(refused.code).not.toBe(0);
          expect(refused.stderr).toContain('cannot be imported into the current release');

          await t.kubectl(
            '-n',
            NAMESPACE,
            'delete',
            'deployment/paiflow-controller',
            'service/paiflow-controller-metrics',
            'serviceaccount/paiflow-controller',
            'networkpolicy/paiflow-controller',
            'poddisruptionbudget/paiflow-controller',
            'role/paiflow-controller-leader-election',
            'rolebinding/paiflow-controller-leader-election',
          );
          await t.kubectl(
            'delete',
            'clusterrole/paiflow-controller',
            'clusterrolebinding/paiflow-controller',
            'clusterrole/paiflow-controller-metrics-auth',
            'clusterrolebinding/paiflow-controller-metrics-auth',
            'clusterrole/paiflow-controller-metrics-reader',
          );
          // (`kubectl delete -k deploy/monitoring` too, where it was applied: not here, without prometheus-operator.)
          await t.helm('install', RELEASE, chart, '-n', NAMESPACE);
          expect(await t.releaseObjects()).toEqual(clusterWideObjects);
          expect(await t.kubectl('get', 'prn', '-n', team, '-o', 'name')).toMatch(
            /^pipelinerunnode\.paiflow\.dev\/\S+\n$/,
          );
          await expectPermissions(target, team, CONTROLLER_MAY);
          await t.helm('uninstall', RELEASE, '-n', NAMESPACE);
          expect(await t.releaseObjects()).toEqual([]);
        });
      });
    }
  },
  [kubectlTool()],
);
