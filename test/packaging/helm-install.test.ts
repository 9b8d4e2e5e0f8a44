import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { describeWithTools, HELM_VERSIONS, helmTool, kubectlPath, kubectlTool } from '../support/tools.ts';
import { chart, ok, runTool } from './helm.ts';

/**
 * `helm install`, `helm upgrade` (changing a value) and `helm uninstall` of the chart with the real
 * Helm 3 and 4 against kube-sim: the objects appear and change, a bad value is refused without a new
 * revision, and uninstalling leaves no release Secret and none of the release's objects (Helm keeps
 * the CRD of crds/ on purpose). `helm uninstall` deletes its release Secrets with a protobuf
 * DeleteOptions body, which kube-sim once refused.
 */

const work = mkdtempSync(join(tmpdir(), 'paiflow-helm-install-'));
const NAMESPACE = 'paiflow-system';
const RELEASE = 'paiflow-controller';

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface EnvVar {
  name: string;
  value?: string;
}

for (const major of HELM_VERSIONS) {
  const helmFound = helmTool(major);
  describeWithTools(`Helm ${major} against kube-sim`, [helmFound, kubectlTool()], () => {
    const helm = helmFound.path ?? 'helm-missing'; // never run: describeWithTools skips or fails first
    const home = join(work, `helm-${major}`);
    let sim: KubeSim;
    let kubeconfig: string;
    const run = (...args: string[]): Promise<string> => ok(helm, args, home, kubeconfig);

    const releaseSecrets = (): string[] =>
      sim
        .list({ apiVersion: 'v1', kind: 'Secret' })
        .filter((s) => s.type === 'helm.sh/release.v1')
        .map((s) => (s.metadata as { name: string }).name)
        .sort();
    const controllerEnv = (): EnvVar[] => {
      const deployment = sim.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: NAMESPACE,
        name: RELEASE,
      });
      const spec = deployment?.spec as
        { template: { spec: { containers: { env?: EnvVar[] }[] } } } | undefined;
      return spec?.template.spec.containers[0]?.env ?? [];
    };
    const releaseObjects = (): string[] =>
      (
        [
          ['apps/v1', 'Deployment'],
          ['v1', 'Service'],
          ['v1', 'ServiceAccount'],
          ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
          ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
        ] as const
      ).flatMap(([apiVersion, kind]) =>
        sim
          .list({ apiVersion, kind })
          .filter(
            (o) =>
              (o.metadata as { labels?: Record<string, string> }).labels?.['app.kubernetes.io/instance'] ===
              RELEASE,
          )
          .map((o) => `${kind}/${(o.metadata as { name: string }).name}`),
      );

    beforeAll(async () => {
      sim = new KubeSim();
      await sim.listen({ host: '127.0.0.1', port: 0 });
      kubeconfig = join(work, `kubeconfig-${major}`);
      writeFileSync(kubeconfig, sim.kubeconfig(), { mode: 0o600 });
    });
    afterAll(async () => {
      await sim.close();
    });

    it('installs, upgrades with a changed value, refuses a bad one, and uninstalls leaving no release Secret', async () => {
      await run('install', RELEASE, chart, '-n', NAMESPACE, '--create-namespace');
      expect(releaseSecrets()).toEqual([`sh.helm.release.v1.${RELEASE}.v1`]);
      expect(releaseObjects().sort()).toEqual([
        `ClusterRole/${RELEASE}`,
        `ClusterRole/${RELEASE}-metrics-auth`,
        `ClusterRole/${RELEASE}-metrics-reader`,
        `ClusterRoleBinding/${RELEASE}`,
        `ClusterRoleBinding/${RELEASE}-metrics-auth`,
        `Deployment/${RELEASE}`,
        `Service/${RELEASE}-metrics`,
        `ServiceAccount/${RELEASE}`,
      ]);
      expect(controllerEnv().find((e) => e.name === 'PAIFLOW_LOG_LEVEL')).toBeUndefined();
      expect(
        sim.get({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          name: 'pipelinerunnodes.paiflow.dev',
        }),
      ).toBeDefined();

      await run('upgrade', RELEASE, chart, '-n', NAMESPACE, '--set', 'controller.logLevel=debug');
      expect(controllerEnv()).toContainEqual({ name: 'PAIFLOW_LOG_LEVEL', value: 'debug' });
      const history = JSON.parse(await run('history', RELEASE, '-n', NAMESPACE, '-o', 'json')) as {
        revision: number;
        status: string;
      }[];
      expect(history.map((h) => `${h.revision}:${h.status}`)).toEqual(['1:superseded', '2:deployed']);

      const bad = await runTool(
        helm,
        ['upgrade', RELEASE, chart, '-n', NAMESPACE, '--set', 'controller.qps=-1'],
        home,
        kubeconfig,
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/controller[./]qps/);
      expect(releaseSecrets()).toHaveLength(2);

      expect(await run('uninstall', RELEASE, '-n', NAMESPACE)).toContain(`release "${RELEASE}" uninstalled`);
      expect(releaseSecrets()).toEqual([]);
      expect(releaseObjects()).toEqual([]);
      expect(JSON.parse(await run('list', '-A', '-o', 'json'))).toEqual([]);
    });

    // docs/install.md, "From kubectl apply -k deploy to Helm", command for command.
    it('takes over from kubectl apply -k deploy as docs/install.md says, keeping the PipelineRunNodes', async () => {
      const kubectl = (...args: string[]): Promise<string> => ok(kubectlPath(), args, home, kubeconfig);
      await kubectl('apply', '-k', 'deploy');
      await kubectl('create', 'namespace', 'team-a');
      await kubectl('apply', '-n', 'team-a', '-f', 'deploy/samples/prn-succeeds.yaml');
      const refused = await runTool(helm, ['install', RELEASE, chart, '-n', NAMESPACE], home, kubeconfig);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('cannot be imported into the current release');

      await kubectl(
        '-n',
        NAMESPACE,
        'delete',
        'deployment/paiflow-controller',
        'service/paiflow-controller-metrics',
        'serviceaccount/paiflow-controller',
      );
      await kubectl(
        'delete',
        'clusterrole/paiflow-controller',
        'clusterrolebinding/paiflow-controller',
        'clusterrole/paiflow-controller-metrics-auth',
        'clusterrolebinding/paiflow-controller-metrics-auth',
        'clusterrole/paiflow-controller-metrics-reader',
      );
      // (`kubectl delete -k deploy/monitoring` too, where it was applied: not here, without prometheus-operator.)
      await run('install', RELEASE, chart, '-n', NAMESPACE);
      expect(releaseObjects()).toHaveLength(8);
      expect(
        sim.list({ apiVersion: 'paiflow.dev/v1alpha1', kind: 'PipelineRunNode', namespace: 'team-a' }),
      ).toHaveLength(1);
      await run('uninstall', RELEASE, '-n', NAMESPACE);
    });
  });
}
