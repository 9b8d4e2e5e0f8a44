import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Ajv from 'ajv';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { type KubeObject, schemaProblems } from './k8s-validate.ts';
import { runCommand } from '../../src/cli/commands/run.ts';
import { kubectlPath } from '../support/tools.ts';

/**
 * The Helm chart charts/paiflow-controller, checked WITHOUT Helm: no Helm binary exists here, so
 * test/packaging/helm-render (Go text/template + sprig from Debian's packages, plus Helm's include,
 * tpl, toYaml, fromYaml, required and .Files.Get) renders the templates. This is a smoke test of the
 * templates, not Helm: no `helm lint`, no schema check by Helm, no hooks, no install.
 *
 * The rendered objects are validated against their Kubernetes schemas, and compared object by object
 * with `kubectl kustomize deploy` (and deploy/namespaced, deploy/monitoring) so that the chart and
 * deploy/ cannot drift apart. Differences by design:
 *   - the chart has no Namespace (`helm install --create-namespace`), and its CRD is crds/crd.yaml,
 *     which Helm applies untemplated (checked identical to deploy/crd.yaml);
 *   - ServiceMonitor and PrometheusRule are off by default (they need prometheus-operator's CRDs);
 *     with them on they equal deploy/'s;
 *   - the chart adds Helm's labels (helm.sh/chart, app.kubernetes.io/instance, managed-by, version),
 *     app.kubernetes.io/instance also in the selectors (two releases must not select each other),
 *     and an optional Grafana dashboard ConfigMap.
 */

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const root = new URL('../../', import.meta.url).pathname;
const chart = join(root, 'charts/paiflow-controller');
const sprigSources = '/usr/share/gocode/src/github.com/Masterminds/sprig';
const work = mkdtempSync(join(tmpdir(), 'paiflow-helm-'));

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = root): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
  });
}

const onPath = (name: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, name)));

/** Why the renderer cannot be built here, or undefined when it can. */
const missing = !onPath('go')
  ? 'no `go` on PATH (apt-get install golang-go)'
  : !existsSync(sprigSources)
    ? `no sprig sources at ${sprigSources} (apt-get install golang-github-masterminds-sprig-dev)`
    : undefined;

const renderer = join(work, 'helm-render');

async function helmRender(valueFiles: string[] = []): Promise<KubeObject[]> {
  const result = await run(renderer, [...valueFiles.flatMap((f) => ['-f', f]), chart]);
  expect({ valueFiles, ...result }).toMatchObject({ code: 0 });
  return parseAllDocuments(result.stdout).map((doc) => doc.toJSON() as KubeObject);
}

async function kustomize(dir: string): Promise<KubeObject[]> {
  const result = await run(kubectlPath(), ['kustomize', dir], { HOME: work });
  expect({ dir, ...result }).toMatchObject({ code: 0 });
  return parseAllDocuments(result.stdout).map((doc) => doc.toJSON() as KubeObject);
}

const readYaml = (path: string): KubeObject[] =>
  parseAllDocuments(readFileSync(join(root, path), 'utf8')).map((doc) => doc.toJSON() as KubeObject);

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

/** The second values file: every switch away from its default. */
const overrides = {
  watchNamespaces: ['team-a', 'team-b'],
  credentials: { existingSecret: 'paiflow-credentials' },
  serviceAccount: { annotations: { 'pod-identity.alibabacloud.com/role-name': 'paiflow' } },
  controller: {
    region: 'cn-hangzhou',
    defaultPollInterval: '1m',
    qps: 5,
    burst: 10,
    endpointAllowList: ['*.aliyuncs.com', 'paiflow.example.com:8443'],
    logLevel: 'debug',
  },
  extraArgs: ['--paiflow-timeout=20s'],
  extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }],
  proxy: { httpsProxy: 'http://proxy.corp.example:3128', noProxy: '.internal' },
  paiflowCaBundle: { configMap: 'corp-ca' },
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ops', effect: 'NoSchedule' }],
  serviceMonitor: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' } },
  prometheusRule: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' } },
  dashboard: { enabled: true, annotations: { grafana_folder: 'PAI' } },
};

interface Container {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
}
const container = (objects: KubeObject[]): Container => {
  const deployment = objects.find((o) => o.kind === 'Deployment');
  const spec = deployment?.spec as { template: { spec: { containers: Container[] } } } | undefined;
  return spec?.template.spec.containers[0] ?? {};
};

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('chart files that must equal deploy/', () => {
  it.each([
    { chartFile: 'crds/crd.yaml', deployFile: 'deploy/crd.yaml' },
    { chartFile: 'files/dashboard.json', deployFile: 'deploy/monitoring/dashboard.json' },
    { chartFile: 'files/prometheusrule.yaml', deployFile: 'deploy/monitoring/prometheusrule.yaml' },
  ])('$chartFile equals $deployFile', ({ chartFile, deployFile }) => {
    expect(readFileSync(join(chart, chartFile), 'utf8')).toBe(readFileSync(join(root, deployFile), 'utf8'));
  });

  it('Chart.yaml is apiVersion v2, version and appVersion 0.1.0', () => {
    expect(parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8'))).toMatchObject({
      apiVersion: 'v2',
      name: 'paiflow-controller',
      version: '0.1.0',
      appVersion: '0.1.0',
    });
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as object;
  const check = new Ajv({ allErrors: true }).compile(schema);
  it.each([
    {
      name: 'values.yaml',
      values: parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as unknown,
      want: true,
    },
    { name: 'the overrides', values: overrides, want: true },
    { name: 'two replicas', values: { replicaCount: 2 }, want: false },
    { name: 'an unknown value', values: { replicas: 1 }, want: false },
    { name: 'a bad log format', values: { controller: { logFormat: 'xml' } }, want: false },
    { name: 'a bad namespace name', values: { watchNamespaces: ['Team_A'] }, want: false },
  ])('$name: valid=$want', ({ values, want }) => {
    expect({ valid: check(values), errors: check.errors }).toMatchObject({ valid: want });
  });
});

(missing === undefined ? describe : describe.skip)(
  `rendered by helm-render (Go text/template + sprig, not Helm)${missing === undefined ? '' : ` — SKIPPED: ${missing}`}`,
  () => {
    let defaults: KubeObject[];
    let overridden: KubeObject[];
    let deploy: KubeObject[];

    beforeAll(async () => {
      // GOPATH mode against Debian's Go sources: nothing is downloaded (tooling reference).
      const built = await run(
        'go',
        ['build', '-o', renderer, '.'],
        { GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '' },
        join(root, 'test/packaging/helm-render'),
      );
      expect(built).toMatchObject({ code: 0 });
      const values = join(work, 'overrides.yaml');
      writeFileSync(values, stringify(overrides));
      const [d, o, base, monitoring] = await Promise.all([
        helmRender(),
        helmRender([values]),
        kustomize('deploy'),
        kustomize('deploy/monitoring'),
      ]);
      [defaults, overridden, deploy] = [d, o, [...base, ...monitoring]];
    }, 120_000);

    it('every object of both renders validates against its schema', () => {
      expect(defaults.length).toBeGreaterThan(0);
      expect(schemaProblems([...defaults, ...overridden])).toEqual([]);
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
      // The secure-metrics cluster roles stay in this mode too (see deploy/rbac/metrics-*.yaml).
      const rbac = overridden.filter(
        (o) => /^(Cluster)?Role(Binding)?$/.test(o.kind) && !o.metadata.name.includes('-metrics-'),
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
      const names = env.map((e) => e.name).filter((n) => n.startsWith('PAIFLOW_'));
      // The variables `run` itself reads, from its commander options.
      const known = new Set(runCommand().options.map((option) => option.envVar));
      for (const name of names) expect({ name, known: known.has(name) }).toEqual({ name, known: true });
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
  },
);
