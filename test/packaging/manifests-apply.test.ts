import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import {
  CONTROLLER_MAY,
  EVERY_USER_MAY,
  LEADER_ELECTION_MAY,
  METRICS_AUTH_MAY,
  permissions,
  SHARD_RING_MAY,
} from '../support/controller-permissions.ts';
import {
  describeWithKubeApiServer,
  START_TIMEOUT_MS,
  startKubeApiServer,
  type TestKubeApiServer,
} from '../support/kube-apiserver.ts';
import { startKubeSimServer, type KubeSimServer } from '../support/kube-sim-server.ts';
import { describeWithTools, KUBECTL_VERSIONS, kubectlTool } from '../support/tools.ts';
import { waitFor } from '../support/wait.ts';
import type { Result } from './helm.ts';
import type { KubeObject } from './k8s-validate.ts';
import { kubectl, namespacedInstall, render, shardingInstall } from './kustomize.ts';

/**
 * deploy/ applied with the real kubectl: to kube-sim (which serves `sandbox`) with the default
 * kubectl, and to the real kube-apiserver (one per file): on a bare cluster, the optional
 * monitoring kustomization, the move to the sharding mode (deploy/sharding) and back, the move to the
 * namespaced mode (deploy/namespaced), whose RBAC the API server then enforces, and every kubectl
 * from 1.27 to 1.35, as server-side dry runs.
 */

const work = mkdtempSync(join(tmpdir(), 'paiflow-manifests-apply-'));

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** One API server, as the tests reach it: kubectl of a version against its admin kubeconfig. */
interface Target {
  name: string;
  kubeconfigPath: string;
}

type Kubectl = (args: string[], input?: string) => Promise<Result>;

function clusterKubectl(target: () => Target, version?: string): Kubectl {
  return (args: string[], input?: string): Promise<Result> =>
    kubectl(
      work,
      [
        '--kubeconfig',
        target().kubeconfigPath,
        '--cache-dir',
        join(work, `cache-${target().name}-${version ?? 'default'}`),
        ...args,
      ],
      input,
      version === undefined ? undefined : kubectlTool(version).path,
    );
}

/**
 * Test fixture, not the prometheus-operator's CRDs: stand-ins for the two monitoring kinds deploy/
 * ships, schemaless (`x-kubernetes-preserve-unknown-fields`), so that they can be applied at all.
 * Their content is checked by the schema validation of manifests.test.ts.
 */
function monitoringCrd(kind: string, plural: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: {
      group: 'monitoring.coreos.com',
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

/** `kind.version.group`, which kubectl resolves whatever the plural. */
function resourceArg(o: KubeObject): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return group === '' ? o.kind : `${o.kind}.${version ?? ''}.${group ?? ''}`;
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** The namespaces the namespaced Component's Roles go in (deploy/namespaced). */
const TEAM_NAMESPACES = ['team-a', 'team-b'];

/** `kubectl apply` of namespaces that may exist already. */
function namespaces(names: string[]): string {
  return names
    .map((name) => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))
    .join('---\n');
}

/** Every object of `objects` read back; each must be as rendered. */
async function expectApplied(cluster: Kubectl, objects: KubeObject[]): Promise<void> {
  const readBack = await Promise.all(
    objects.map(async (o) => {
      const namespace = o.metadata.namespace;
      const got = await cluster([
        'get',
        resourceArg(o),
        o.metadata.name,
        ...(namespace === undefined ? [] : ['-n', namespace]),
        '-o',
        'json',
      ]);
      return {
        object: `${o.kind}/${o.metadata.name}`,
        code: got.code,
        stderr: got.stderr,
        got: got.code === 0 ? (JSON.parse(got.stdout) as KubeObject) : undefined,
      };
    }),
  );
  expect(readBack.filter((r) => r.code !== 0)).toEqual([]);
  readBack.forEach((r, i) => {
    const { metadata, ...content } = objects[i] as KubeObject;
    expect({ object: r.object, got: r.got }).toMatchObject({
      object: r.object,
      got: { ...content, metadata: { name: metadata.name, labels: metadata.labels ?? {} } },
    });
  });
}

/**
 * The tests of the install itself, with the default kubectl, against `target()`: deploy/ on a bare
 * cluster, and deploy/monitoring refused before the prometheus-operator CRDs and applied after.
 */
function installTests(target: () => Target): void {
  const cluster = clusterKubectl(target);

  it('applies -k deploy on a bare cluster, client-side, then server-side twice, then client-side', async () => {
    const objects = await render(work, 'deploy');
    const applied = await cluster(['apply', '-k', 'deploy']);
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(lines(applied.stdout)).toHaveLength(objects.length);
    expect(lines(applied.stdout).filter((l) => !l.endsWith(' created'))).toEqual([]);
    await expectApplied(cluster, objects);
    // kubectl migrates the client-side owner to server-side apply on the first one.
    for (const round of [1, 2]) {
      const serverSide = await cluster(['apply', '--server-side', '-k', 'deploy']);
      expect({ round, ...serverSide }).toMatchObject({ code: 0, stderr: '' });
      expect(lines(serverSide.stdout).filter((l) => !l.endsWith(' serverside-applied'))).toEqual([]);
    }
    await expectApplied(cluster, objects);
    const again = await cluster(['apply', '-k', 'deploy']);
    expect(again).toMatchObject({ code: 0 });
    expect(lines(again.stdout).filter((l) => !/ (unchanged|configured)$/.test(l))).toEqual([]);
  });

  it('applies -k deploy/monitoring once the prometheus-operator CRDs exist, not before', async () => {
    const before = await cluster(['apply', '-k', 'deploy/monitoring']);
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/no matches for kind "(ServiceMonitor|PrometheusRule)"/);
    const crds = [
      monitoringCrd('ServiceMonitor', 'servicemonitors'),
      monitoringCrd('PrometheusRule', 'prometheusrules'),
    ];
    expect(await cluster(['apply', '-f', '-'], crds.map((o) => stringify(o)).join('---\n'))).toMatchObject({
      code: 0,
    });
    for (const crd of crds) {
      expect(
        await cluster(['wait', '--for=condition=Established', `crd/${crd.metadata.name}`, '--timeout=30s']),
      ).toMatchObject({ code: 0 });
    }
    const objects = await render(work, 'deploy/monitoring');
    const applied = await cluster(['apply', '--server-side', '-k', 'deploy/monitoring']);
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(lines(applied.stdout)).toHaveLength(objects.length);
    await expectApplied(cluster, objects);
  });
}

describeWithTools('deploy/ applied to kube-sim', [kubectlTool()], () => {
  let server: KubeSimServer;
  beforeAll(async () => {
    server = await startKubeSimServer();
  });
  afterAll(() => server.stop());
  installTests(() => ({ name: 'kube-sim', kubeconfigPath: server.kubeconfigPath }));
});

describeWithKubeApiServer(
  'deploy/ applied to the real kube-apiserver',
  () => {
    let server: TestKubeApiServer;
    const target = (): Target => ({ name: 'kube-apiserver', kubeconfigPath: server.kubeconfigPath });
    const cluster = clusterKubectl(target);
    beforeAll(async () => {
      server = await startKubeApiServer();
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await server.stop();
    });

    installTests(target);

    // docs/install.md, "Sharding": as with the namespaced mode, kubectl apply leaves the Lease Role
    // the Component no longer lists; it is deleted by hand, and the ring Role on the way back.
    it('moves to the sharding mode, client-side then server-side, and back: the ring Role replaces the Lease Role', async () => {
      const controller = await server.serviceAccount('paiflow-system', 'paiflow-controller');
      const elsewhere = await server.createNamespace('sharding-elsewhere');
      const expectPermissions = async (namespace: string, want: readonly string[]): Promise<void> => {
        const expected = [...new Set([...want, ...EVERY_USER_MAY])].sort();
        let got: string[] = [];
        // RBAC changes reach the authorizer through its informers, a moment after the write.
        await waitFor(async () => {
          got = await permissions(controller.kubeConfig, namespace);
          return got.join() === expected.join();
        }, `the permissions in ${namespace}`).catch(() => undefined);
        expect({ namespace, got }).toEqual({ namespace, got: expected });
      };
      const leaderElection = [...CONTROLLER_MAY, ...LEADER_ELECTION_MAY];

      const dir = shardingInstall(work);
      const objects = await render(work, dir);
      const applied = await cluster(['apply', '-k', dir]);
      expect(applied).toMatchObject({ code: 0, stderr: '' });
      expect(lines(applied.stdout).filter((l) => !/ (created|unchanged|configured)$/.test(l))).toEqual([]);
      expect(lines(applied.stdout)).toEqual(
        expect.arrayContaining([
          'role.rbac.authorization.k8s.io/paiflow-controller-shard-ring created',
          'rolebinding.rbac.authorization.k8s.io/paiflow-controller-shard-ring created',
          'deployment.apps/paiflow-controller configured',
        ]),
      );
      const serverSide = await cluster(['apply', '--server-side', '-k', dir]);
      expect(serverSide).toMatchObject({ code: 0, stderr: '' });
      expect(lines(serverSide.stdout).filter((l) => !l.endsWith(' serverside-applied'))).toEqual([]);
      await expectApplied(cluster, objects);
      // The variables were replaced, not added to: none of leader election's is left.
      const env = await cluster([
        'get',
        'deployment/paiflow-controller',
        '-n',
        'paiflow-system',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].env[*].name}',
      ]);
      expect(env.stdout.split(' ').filter((name) => name.startsWith('PAIFLOW_LEADER_ELECT'))).toEqual([]);
      expect(
        await cluster([
          'delete',
          '-n',
          'paiflow-system',
          'rolebinding/paiflow-controller-leader-election',
          'role/paiflow-controller-leader-election',
        ]),
      ).toMatchObject({ code: 0 });
      // Every Lease of its own namespace, and not one permission more anywhere else.
      await expectPermissions('paiflow-system', [...CONTROLLER_MAY, ...SHARD_RING_MAY]);
      await expectPermissions(elsewhere, CONTROLLER_MAY);

      const back = await cluster(['apply', '-k', 'deploy']);
      expect(back).toMatchObject({ code: 0, stderr: '' });
      expect(
        await cluster([
          'delete',
          '-n',
          'paiflow-system',
          'rolebinding/paiflow-controller-shard-ring',
          'role/paiflow-controller-shard-ring',
        ]),
      ).toMatchObject({ code: 0 });
      await expectApplied(cluster, await render(work, 'deploy'));
      // Its own Lease by name again, and no list of Leases.
      await expectPermissions('paiflow-system', leaderElection);
      await expectPermissions(elsewhere, CONTROLLER_MAY);
    });

    // docs/install.md, "Namespaced mode": kubectl apply adds the Roles but leaves the cluster-wide
    // role and binding the Component no longer lists; they are deleted by hand.
    it('moves to the namespaced mode: a Role in each watched namespace, and RBAC grants nothing else', async () => {
      expect(await cluster(['apply', '-f', '-'], namespaces(TEAM_NAMESPACES))).toMatchObject({ code: 0 });
      const dir = namespacedInstall(work);
      const objects = await render(work, dir);
      const applied = await cluster(['apply', '-k', dir]);
      expect(applied).toMatchObject({ code: 0, stderr: '' });
      expect(lines(applied.stdout).filter((l) => !/ (created|unchanged|configured)$/.test(l))).toEqual([]);
      await expectApplied(cluster, objects);
      expect(
        await cluster([
          'delete',
          '--ignore-not-found',
          'clusterrolebinding/paiflow-controller',
          'clusterrole/paiflow-controller',
        ]),
      ).toMatchObject({ code: 0 });

      const controller = await server.serviceAccount('paiflow-system', 'paiflow-controller');
      const elsewhere = await server.createNamespace('unwatched');
      const onlyMetrics = [...METRICS_AUTH_MAY, ...EVERY_USER_MAY].sort();
      // RBAC changes reach the authorizer through its informers, a moment after the delete.
      await waitFor(
        async () => (await permissions(controller.kubeConfig, elsewhere)).join() === onlyMetrics.join(),
        'the cluster-wide grant to be gone',
      );
      // Its own namespace adds the leader election Lease and its Event.
      expect(await permissions(controller.kubeConfig, 'paiflow-system')).toEqual(
        [...new Set([...onlyMetrics, ...LEADER_ELECTION_MAY])].sort(),
      );
      for (const namespace of TEAM_NAMESPACES) {
        expect(await permissions(controller.kubeConfig, namespace)).toEqual(
          [...CONTROLLER_MAY, ...EVERY_USER_MAY].sort(),
        );
      }
    });

    describe('every kubectl, as server-side dry runs', () => {
      /** The kustomization folder of each install, and how many objects it renders. */
      const installs: Record<string, string> = { deploy: 'deploy' };
      const counts: Record<string, number> = {};
      beforeAll(async () => {
        // What the dry runs need in place, applied client-side then server-side, so that both kinds of
        // dry run find what they expect: the client-side annotation (or kubectl warns it is missing),
        // and fields already migrated to server-side apply (a dry run cannot migrate them: "Warning:
        // failed to migrate ... last-applied-configuration").
        installs.namespaced = namespacedInstall(work);
        for (const [name, dir] of Object.entries(installs)) counts[name] = (await render(work, dir)).length;
        for (const args of [['-f', '-'], ...Object.values(installs).map((dir) => ['-k', dir])]) {
          for (const mode of [[], ['--server-side', '--force-conflicts']]) {
            const applied = await cluster(['apply', ...mode, ...args], namespaces(TEAM_NAMESPACES));
            expect({ args, mode, ...applied }).toMatchObject({ code: 0, stderr: '' });
          }
        }
      });

      for (const version of KUBECTL_VERSIONS) {
        const tool = kubectlTool(version);
        describeWithTools(`kubectl ${version}`, [tool], () => {
          const versioned = clusterKubectl(target, version);
          // (Not deploy/sharding: the same kinds and fields as deploy/, other values; applied above.)
          it.each(['deploy', 'namespaced'])(
            'apply -k (%s) is accepted client-side and server-side',
            async (install) => {
              for (const mode of [[], ['--server-side', '--force-conflicts']]) {
                const result = await versioned([
                  'apply',
                  ...mode,
                  '--dry-run=server',
                  '-k',
                  installs[install]!,
                ]);
                expect({ mode, ...result }).toMatchObject({ code: 0, stderr: '' });
                expect(lines(result.stdout)).toHaveLength(counts[install]!);
                expect(lines(result.stdout).filter((l) => !l.endsWith(' (server dry run)'))).toEqual([]);
              }
            },
          );
        });
      }
    });
  },
  [kubectlTool()],
);
