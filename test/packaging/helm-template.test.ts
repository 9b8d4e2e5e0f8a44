import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { runCommand } from '../../src/cli/commands/run.ts';
import { promtoolTool } from '../monitoring/promtool.ts';
import { describeWithTools, HELM_VERSIONS, helmTool, kubectlTool } from '../support/tools.ts';
import { overrides } from './chart-values.ts';
import { chart, objectsOf, ok, root, runTool } from './helm.ts';
import { type KubeObject, schemaProblems } from './k8s-validate.ts';
import { shardingInstall } from './kustomize.ts';

/**
 * The Helm chart with the real Helm 3 and Helm 4: `helm lint --strict`, `helm template` with the
 * defaults and with every switch turned, each object validated against its Kubernetes schema and
 * compared object by object with `kubectl kustomize deploy` (and deploy/namespaced, deploy/sharding,
 * deploy/monitoring)
 * so that the chart and deploy/ cannot drift apart; values that would crash-loop the controller
 * refused with the field named; the chart as a dependency of an umbrella chart with global values.
 *
 * Differences with deploy/ by design:
 *   - no Namespace (`helm install --create-namespace`); the CRD is crds/crd.yaml, which Helm applies
 *     untemplated (chart.test.ts checks it equals deploy/crd.yaml);
 *   - ServiceMonitor and PrometheusRule are off by default, like deploy/monitoring; with them on they
 *     equal deploy/monitoring's;
 *   - Helm's labels (helm.sh/chart, app.kubernetes.io/instance, managed-by, version), instance also in
 *     the selectors (two releases must not select each other's pods), and an optional dashboard ConfigMap.
 */

const work = mkdtempSync(join(tmpdir(), 'paiflow-helm-template-'));
const kubectl = kubectlTool();

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Labels Helm charts add; dropped everywhere (labels and selectors) before comparing with deploy/. */
const helmLabels = [
  'helm.sh/chart',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/version',
];

/** A deep copy without Helm's labels, nor the extra labels `drop` lists, at any depth. */
function normalise(value: unknown, drop: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((item) => normalise(item, drop));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !helmLabels.includes(key) && !drop.includes(key))
      .map(([key, item]) => [key, normalise(item, drop)]),
  );
}

const key = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const keys = (objects: KubeObject[]): string[] => objects.map(key).sort();
const byKey = (objects: KubeObject[], k: string): KubeObject | undefined => objects.find((o) => key(o) === k);

const readYaml = (path: string): KubeObject[] => objectsOf(readFileSync(join(root, path), 'utf8'));

interface Container {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
}
const container = (objects: KubeObject[]): Container => {
  const deployment = objects.find((o) => o.kind === 'Deployment');
  const spec = deployment?.spec as { template: { spec: { containers: Container[] } } } | undefined;
  return spec?.template.spec.containers[0] ?? {};
};

for (const major of HELM_VERSIONS) {
  const helmFound = helmTool(major);
  describeWithTools(`Helm ${major}`, [helmFound, kubectl], () => {
    const helm = helmFound.path ?? 'helm-missing'; // never run: describeWithTools skips or fails first
    const home = join(work, `helm-${major}`);
    const overridesFile = join(work, 'overrides.yaml');
    /** `helm template x` of the chart with these --set values. */
    const templateX = (values: string[]): string[] => [
      'template',
      'x',
      chart,
      ...values.flatMap((value) => ['--set', value]),
    ];
    /** Its objects; fails the test when Helm fails. */
    const rendered = async (...values: string[]): Promise<KubeObject[]> =>
      objectsOf(await ok(helm, templateX(values), home));
    /** Expects Helm to refuse the values; resolves with its stderr. */
    const refusal = async (...values: string[]): Promise<string> => {
      const result = await runTool(helm, templateX(values), home);
      expect({ values, refused: result.code !== 0 }).toEqual({ values, refused: true });
      return result.stderr;
    };
    let defaults: KubeObject[];
    let overridden: KubeObject[];
    let deploy: KubeObject[];
    let sharded: KubeObject[];
    let deploySharding: KubeObject[];

    beforeAll(async () => {
      writeFileSync(overridesFile, stringify(overrides));
      // The release is named like deploy/'s objects, and in their namespace, so that they compare.
      const template = (args: string[]): Promise<string> =>
        ok(helm, ['template', 'paiflow-controller', chart, '-n', 'paiflow-system', ...args], home);
      const kustomize = (dir: string): Promise<string> => ok(kubectl.path ?? '', ['kustomize', dir], home);
      const [d, o, base, monitoring, s, baseSharding] = await Promise.all([
        template([]),
        template(['-f', overridesFile]),
        kustomize('deploy'),
        kustomize('deploy/monitoring'),
        // deploy/sharding runs 3 replicas; the chart keeps replicaCount, whatever the mode.
        template(['--set', 'sharding.enabled=true', '--set', 'replicaCount=3']),
        kustomize(shardingInstall(work)),
      ]);
      [defaults, overridden, deploy] = [objectsOf(d), objectsOf(o), objectsOf(base + '\n---\n' + monitoring)];
      [sharded, deploySharding] = [objectsOf(s), objectsOf(baseSharding)];
    }, 120_000);

    it('lints --strict with the default values and with every switch turned', async () => {
      await ok(helm, ['lint', '--strict', chart], home);
      await ok(helm, ['lint', '--strict', chart, '-f', overridesFile], home);
      await ok(helm, ['lint', '--strict', chart, '--set', 'sharding.enabled=true'], home);
    });

    it('every object of the renders validates against its schema', () => {
      expect(defaults.length).toBeGreaterThan(0);
      expect(schemaProblems([...defaults, ...overridden, ...sharded])).toEqual([]);
    });

    it('the default render has deploy/ objects, less the Namespace, CRD and prometheus-operator kinds', () => {
      const omitted = ['Namespace', 'CustomResourceDefinition', 'ServiceMonitor', 'PrometheusRule'];
      expect(keys(defaults)).toEqual(keys(deploy.filter((o) => !omitted.includes(o.kind))));
    });

    it('each default-render object equals its deploy/ counterpart, Helm labels aside', () => {
      for (const object of defaults) {
        expect({ key: key(object), object: normalise(object) }).toEqual({
          key: key(object),
          object: byKey(deploy, key(object)),
        });
      }
    });

    it('sharding.enabled: the objects of deploy/ with deploy/sharding, each equal, Helm labels aside', () => {
      const omitted = ['Namespace', 'CustomResourceDefinition'];
      expect(keys(sharded)).toEqual(keys(deploySharding.filter((o) => !omitted.includes(o.kind))));
      for (const object of sharded) {
        expect({ key: key(object), object: normalise(object) }).toEqual({
          key: key(object),
          object: byKey(deploySharding, key(object)),
        });
      }
      // What that comparison covers, said outright: the ring's Role instead of the Lease Role.
      expect(sharded.filter((o) => o.kind === 'Role').map((o) => o.metadata.name)).toEqual([
        'paiflow-controller-shard-ring',
      ]);
      expect(container(sharded).env).toEqual(
        expect.arrayContaining([
          { name: 'PAIFLOW_SHARDING', value: 'true' },
          { name: 'PAIFLOW_SHARD_RING', value: 'paiflow-controller' },
        ]),
      );
    });

    it('sharding.enabled: the ring, its Role and binding are named after the release; the Lease durations still apply', async () => {
      const rendered = objectsOf(
        await ok(
          helm,
          [
            'template',
            'ml',
            chart,
            '-n',
            'ml-system',
            '--set',
            'sharding.enabled=true',
            '--set',
            'leaderElection.leaseDuration=30s',
          ],
          home,
        ),
      );
      const env = container(rendered).env ?? [];
      expect(env.filter((e) => /^PAIFLOW_(SHARD|LEADER)/.test(e.name))).toEqual([
        { name: 'PAIFLOW_SHARDING', value: 'true' },
        { name: 'PAIFLOW_SHARD_RING', value: 'ml-paiflow-controller' },
        { name: 'PAIFLOW_LEADER_ELECTION_LEASE_DURATION', value: '30s' },
      ]);
      expectReadByRun(env);
      const rbac = rendered.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding');
      expect(rbac.map(key).sort()).toEqual([
        'Role/ml-system/ml-paiflow-controller-shard-ring',
        'RoleBinding/ml-system/ml-paiflow-controller-shard-ring',
      ]);
      expect(rbac.find((o) => o.kind === 'RoleBinding')).toMatchObject({
        roleRef: { kind: 'Role', name: 'ml-paiflow-controller-shard-ring' },
        subjects: [{ kind: 'ServiceAccount', name: 'ml-paiflow-controller', namespace: 'ml-system' }],
      });
      expect(rendered.find((o) => o.kind === 'Deployment')?.spec).toMatchObject({
        replicas: 2,
        strategy: { type: 'RollingUpdate' },
      });
    });

    it('sharding.enabled with leaderElection.enabled=true is refused, naming both; with false it shards', async () => {
      expect(await refusal('sharding.enabled=true', 'leaderElection.enabled=true')).toContain(
        'sharding.enabled and leaderElection.enabled are both true: sharding replaces leader election',
      );
      const off = await rendered('sharding.enabled=true', 'leaderElection.enabled=false');
      expect(off.filter((o) => o.kind === 'Role').map((o) => o.metadata.name)).toEqual([
        'x-paiflow-controller-shard-ring',
      ]);
      expect(container(off).env).toContainEqual({ name: 'PAIFLOW_SHARDING', value: 'true' });
    });

    it('ServiceMonitor and PrometheusRule, when enabled, equal deploy/monitoring, extra labels aside', () => {
      for (const kind of ['ServiceMonitor', 'PrometheusRule']) {
        const object = overridden.find((o) => o.kind === kind);
        expect(object?.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
        expect(normalise(object, ['release'])).toEqual(deploy.find((o) => o.kind === kind));
      }
    });

    it('watchNamespaces: a Role and RoleBinding per namespace equal to deploy/namespaced, no cluster role', () => {
      const namespaced = [
        ...readYaml('deploy/namespaced/role-team-a.yaml'),
        ...readYaml('deploy/namespaced/role-team-b.yaml'),
      ];
      // The secure-metrics cluster roles and the Lease Role stay in this mode too (deploy/rbac).
      const rbac = overridden.filter(
        (o) =>
          /^(Cluster)?Role(Binding)?$/.test(o.kind) && !/-(metrics-|leader-election)/.test(o.metadata.name),
      );
      expect(keys(rbac)).toEqual(keys(namespaced));
      for (const object of rbac) expect(normalise(object)).toEqual(byKey(namespaced, key(object)));
      // The same --namespaces argument as the namespaced Component, then the extra arguments.
      const argument = '--namespaces=team-a,team-b';
      expect(readFileSync(join(root, 'deploy/namespaced/kustomization.yaml'), 'utf8')).toContain(
        `value: ${argument}`,
      );
      expect(container(overridden).args).toEqual(['run', argument, '--paiflow-timeout=20s']);
    });

    it('controller settings become PAIFLOW_* variables; existingSecret becomes the AccessKey variables', () => {
      const env = container(overridden).env ?? [];
      expect(env).toEqual(
        expect.arrayContaining([
          { name: 'PAIFLOW_DEFAULT_REGION', value: 'cn-hangzhou' },
          { name: 'PAIFLOW_DEFAULT_POLL_INTERVAL', value: '1m' },
          { name: 'PAIFLOW_PAIFLOW_QPS', value: '5' },
          { name: 'PAIFLOW_PAIFLOW_BURST', value: '10' },
          { name: 'PAIFLOW_ENDPOINT_ALLOW_LIST', value: '*.aliyuncs.com,paiflow.example.com:8443' },
          { name: 'PAIFLOW_LOG_LEVEL', value: 'debug' },
          { name: 'PAIFLOW_LOG_FORMAT', value: 'json' },
          { name: 'PAIFLOW_DEFAULT_CREDENTIALS_NAMESPACES', value: 'team-a' },
          { name: 'PAIFLOW_LEADER_ELECTION_LEASE_DURATION', value: '30s' },
          { name: 'PAIFLOW_LEADER_ELECTION_RENEW_DEADLINE', value: '20s' },
          { name: 'PAIFLOW_LEADER_ELECTION_RETRY_PERIOD', value: '4s' },
          { name: 'NODE_OPTIONS', value: '--max-old-space-size=384' },
          { name: 'HTTPS_PROXY', value: 'http://proxy.corp.example:3128' },
          { name: 'NO_PROXY', value: '.internal' },
          { name: 'PAIFLOW_PAIFLOW_CA_FILE', value: '/etc/paiflow-controller/ca/ca.crt' },
          {
            name: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
            valueFrom: { secretKeyRef: { name: 'paiflow-credentials', key: 'accessKeyId' } },
          },
          {
            name: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
            valueFrom: { secretKeyRef: { name: 'paiflow-credentials', key: 'accessKeySecret' } },
          },
        ]),
      );
      expect(new Set(env.map((e) => e.name)).size).toBe(env.length);
      expectReadByRun(env);
    });

    it('paiflowCaBundle mounts its ConfigMap read-only where PAIFLOW_PAIFLOW_CA_FILE points', () => {
      const deployment = overridden.find((o) => o.kind === 'Deployment');
      const pod = (deployment?.spec as { template: { spec: { volumes?: unknown[] } } }).template.spec;
      expect(pod.volumes).toEqual([{ name: 'paiflow-ca', configMap: { name: 'corp-ca' } }]);
      expect(container(overridden)).toMatchObject({
        volumeMounts: [{ name: 'paiflow-ca', mountPath: '/etc/paiflow-controller/ca', readOnly: true }],
      });
      expect(container(overridden).env ?? []).not.toContainEqual(
        expect.objectContaining({ name: 'HTTP_PROXY' }),
      );
    });

    it('the controller’s own credentials serve no namespace by default; ["*"] restores all', async () => {
      // No value is the empty string (as the API server stores it): the variable is set, to nothing.
      expect(container(defaults).env).toContainEqual({ name: 'PAIFLOW_DEFAULT_CREDENTIALS_NAMESPACES' });
      const all = await rendered('credentials.defaultNamespaces={*}');
      expect(container(all).env).toContainEqual({
        name: 'PAIFLOW_DEFAULT_CREDENTIALS_NAMESPACES',
        value: '*',
      });
    });

    it('networkPolicy: metricsFrom and egress as given; disabled, none', async () => {
      const policy = overridden.find((o) => o.kind === 'NetworkPolicy');
      expect(policy?.spec).toEqual({
        podSelector: {
          matchLabels: {
            'app.kubernetes.io/name': 'paiflow-controller',
            'app.kubernetes.io/instance': 'paiflow-controller',
          },
        },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          { ports: [{ port: 'metrics', protocol: 'TCP' }], from: overrides.networkPolicy.metricsFrom },
        ],
        egress: overrides.networkPolicy.egress,
      });
      const off = await rendered('networkPolicy.enabled=false');
      expect(off.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    });

    it('the RRSA annotation lands on the ServiceAccount', () => {
      const account = overridden.find((o) => o.kind === 'ServiceAccount');
      expect(account?.metadata).toMatchObject({
        annotations: { 'pod-identity.alibabacloud.com/role-name': 'paiflow' },
      });
    });

    it('the dashboard ConfigMap holds files/dashboard.json for the Grafana sidecar', () => {
      const configMap = overridden.find((o) => o.kind === 'ConfigMap');
      expect(configMap?.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      const data = configMap?.data as Record<string, string>;
      expect(data['paiflow-controller.json']).toBe(readFileSync(join(chart, 'files/dashboard.json'), 'utf8'));
      expect(defaults.find((o) => o.kind === 'ConfigMap')).toBeUndefined();
    });

    it('prometheusRule.alerts sets the thresholds and `for` durations; promtool accepts the result', async () => {
      const alerts = join(work, `alerts-${major}.yaml`);
      writeFileSync(
        alerts,
        stringify({
          prometheusRule: {
            enabled: true,
            alerts: {
              PaiflowNodeRunningTooLong: { threshold: 43200, for: '10m' },
              PaiflowAPIErrorRateHigh: { threshold: 0.25, for: '30m' },
              PaiflowNodeFailed: { for: '1m' },
            },
          },
        }),
      );
      const rendered = objectsOf(await ok(helm, ['template', 'x', chart, '-f', alerts], home));
      const spec = rendered.find((o) => o.kind === 'PrometheusRule')?.spec as {
        groups: { rules: { alert: string; expr: string; for?: string }[] }[];
      };
      const rules = Object.fromEntries(spec.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
      expect(rules.PaiflowNodeRunningTooLong).toMatchObject({
        for: '10m',
        expr: expect.stringMatching(/\) > 43200\n$/),
      });
      expect(rules.PaiflowAPIErrorRateHigh).toMatchObject({
        for: '30m',
        expr: expect.stringMatching(/\n> 0\.25\n$/),
      });
      expect(rules.PaiflowNodeFailed?.for).toBe('1m');
      // Untouched alerts keep the file's values.
      expect(rules.PaiflowAPIThrottled).toMatchObject({
        for: '15m',
        expr: expect.stringMatching(/> 0\.05\n$/),
      });
      const promtool = promtoolTool();
      if (promtool.path !== undefined || process.env.CI !== undefined) {
        const file = join(work, `rules-${major}.yaml`);
        writeFileSync(file, stringify(spec));
        await ok('promtool', ['check', 'rules', file], home);
      }
    });

    it.each([
      { set: 'controller.defaultPollInterval=5x', field: /controller[./]defaultPollInterval/ },
      { set: 'controller.qps=-1', field: /controller[./]qps/ },
      {
        set: 'prometheusRule.alerts.PaiflowAPIThrottled.threshold=-1',
        field: /prometheusRule[./]alerts[./]PaiflowAPIThrottled[./]threshold/,
      },
      { set: 'controller.labelSelector=a in (', field: /controller[./]labelSelector/ },
      { set: 'credentials.defaultNamespaces={*,team-a}', field: /credentials[./]defaultNamespaces/ },
      { set: 'credentials.defaultNamespaces={Team_A}', field: /credentials[./]defaultNamespaces/ },
      { set: 'leaderElection.leaseDuration=15x', field: /leaderElection[./]leaseDuration/ },
      { set: 'sharding.enabled=yes', field: /sharding[./]enabled/ },
    ])('refuses --set $set, naming the field', async ({ set, field }) => {
      const stderr = await refusal(set);
      expect(stderr).toContain("values don't meet the specifications of the schema");
      expect(stderr).toMatch(field);
    });

    it('leaderElection.enabled=false: one Recreate replica, no Lease Role nor variables; two replicas refused', async () => {
      const single = await rendered('leaderElection.enabled=false', 'replicaCount=1');
      const spec = single.find((o) => o.kind === 'Deployment')?.spec as {
        replicas: number;
        strategy: unknown;
      };
      expect(spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
      expect(single.filter((o) => o.metadata.name.endsWith('-leader-election'))).toEqual([]);
      expect(container(single).env?.filter((e) => /LEADER|POD_NAMESPACE/.test(e.name))).toEqual([]);
      expect(await refusal('leaderElection.enabled=false', 'replicaCount=2')).toContain(
        'replicaCount above 1 needs leaderElection.enabled or sharding.enabled',
      );
    });

    it('works as a dependency of an umbrella chart that has global values', async () => {
      const umbrella = join(work, `umbrella-${major}`);
      mkdirSync(join(umbrella, 'templates'), { recursive: true });
      // The umbrella's own object, reading the global value its dependencies receive too.
      writeFileSync(
        join(umbrella, 'templates', 'settings.yaml'),
        [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          '  name: platform-settings',
          'data:',
          '  registry: {{ .Values.global.imageRegistry | quote }}',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(umbrella, 'Chart.yaml'),
        stringify({
          apiVersion: 'v2',
          name: 'platform',
          version: '1.0.0',
          dependencies: [{ name: 'paiflow-controller', version: '0.1.0', repository: `file://${chart}` }],
        }),
      );
      writeFileSync(
        join(umbrella, 'values.yaml'),
        stringify({
          global: { imageRegistry: 'registry.example.com', imagePullSecrets: [] },
          'paiflow-controller': { controller: { region: 'cn-shanghai' } },
        }),
      );
      await ok(helm, ['dependency', 'update', umbrella], home);
      await ok(helm, ['lint', '--strict', umbrella], home);
      const rendered = objectsOf(await ok(helm, ['template', 'platform', umbrella, '-n', 'ml'], home));
      expect(container(rendered).env).toContainEqual({
        name: 'PAIFLOW_DEFAULT_REGION',
        value: 'cn-shanghai',
      });
      // The subchart's schema still refuses what would crash the controller.
      const bad = await runTool(
        helm,
        ['template', 'platform', umbrella, '--set', 'paiflow-controller.controller.qps=-1'],
        home,
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/controller[./]qps/);
    });
  });
}

/** Every PAIFLOW_* variable in `env` is one `run` reads (from its commander options). */
function expectReadByRun(env: readonly { name: string }[]): void {
  const known = new Set(runCommand().options.map((option) => option.envVar));
  const names = env.map((e) => e.name).filter((n) => n.startsWith('PAIFLOW_'));
  for (const name of names) expect({ name, known: known.has(name) }).toEqual({ name, known: true });
}
