import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  LEADER_ELECTION_MAY,
  permissionLines,
  RECONCILE_MAY,
  SHARD_RING_MAY,
  type PolicyRule,
} from '../support/controller-permissions.ts';
import { type KubeObject, validate } from './k8s-validate.ts';
import { componentInstall, render as renderIn } from './kustomize.ts';

/**
 * deploy/ rendered by the real `kubectl kustomize` (the cluster-wide install, the namespaced and the
 * sharding Components, and both together), every object validated against its Kubernetes schema (kubernetes-models,
 * @kubernetes-models/prometheus-operator) and the security-relevant fields checked.
 * manifests-apply.test.ts applies them to kube-sim and to the real API server.
 */

const work = mkdtempSync(join(tmpdir(), 'paiflow-manifests-'));
const render = (dir: string): Promise<KubeObject[]> => renderIn(work, dir);
const namespacedInstall = (): string => componentInstall(work, ['namespaced']);
const shardingInstall = (): string => componentInstall(work, ['sharding']);
const namespacedShardingInstall = (): string => componentInstall(work, ['namespaced', 'sharding']);

/** How the replicas share the work: the Deployment's replicas and the variables that choose it. */
const leaderElection = {
  replicas: 2,
  env: [
    { name: 'PAIFLOW_LEADER_ELECT', value: 'true' },
    { name: 'PAIFLOW_LEADER_ELECTION_ID', value: 'paiflow-controller' },
  ],
  otherMode: /^PAIFLOW_SHARD/,
};
const sharding = {
  replicas: 3,
  env: [
    { name: 'PAIFLOW_SHARDING', value: 'true' },
    { name: 'PAIFLOW_SHARD_RING', value: 'paiflow-controller' },
  ],
  otherMode: /^PAIFLOW_LEADER_ELECT/,
};

/** Secure metrics: the controller asks the API server about scrapers; scrapers may GET /metrics. */
const rulesOf: Record<string, unknown[]> = {
  'paiflow-controller-metrics-auth': [
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ],
  'paiflow-controller-metrics-reader': [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
};

const find = (objects: KubeObject[], kind: string): KubeObject[] => objects.filter((o) => o.kind === kind);

interface Container {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  securityContext?: Record<string, unknown>;
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  ports?: { name: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  serviceAccountName?: string;
  topologySpreadConstraints?: {
    topologyKey: string;
    labelSelector: { matchLabels: Record<string, string> };
  }[];
  securityContext?: Record<string, unknown>;
  containers: Container[];
}

function deployment(objects: KubeObject[]): {
  replicas: unknown;
  strategy: unknown;
  pod: PodSpec;
  labels: Record<string, string>;
} {
  const [found] = find(objects, 'Deployment');
  const spec = found?.spec as {
    replicas: unknown;
    strategy: unknown;
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
  return {
    replicas: spec.replicas,
    strategy: spec.strategy,
    pod: spec.template.spec,
    labels: spec.template.metadata.labels,
  };
}

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe.each([
  { name: 'cluster-wide (deploy)', dir: (): string => 'deploy', mode: leaderElection },
  { name: 'namespaced (deploy/namespaced Component)', dir: namespacedInstall, mode: leaderElection },
  { name: 'sharding (deploy/sharding Component)', dir: shardingInstall, mode: sharding },
  { name: 'namespaced and sharding (both Components)', dir: namespacedShardingInstall, mode: sharding },
])('$name', ({ dir, mode }) => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await render(dir());
  });

  it('renders, and every object validates against its schema', () => {
    expect(objects.length).toBeGreaterThan(0);
    const problems = objects.flatMap((object) => {
      try {
        validate(object);
        return [];
      } catch (error) {
        return [`${object.kind}/${object.metadata.name}: ${String(error)}`];
      }
    });
    expect(problems).toEqual([]);
  });

  it('puts every namespaced object of the controller in paiflow-system, and holds no samples', () => {
    const ownNamespaced = objects.filter(
      (o) =>
        ![
          'Namespace',
          'CustomResourceDefinition',
          'ClusterRole',
          'ClusterRoleBinding',
          'Role',
          'RoleBinding',
        ].includes(o.kind),
    );
    expect(ownNamespaced.filter((o) => o.metadata.namespace !== 'paiflow-system')).toEqual([]);
    expect(find(objects, 'PipelineRunNode')).toEqual([]);
    expect(find(objects, 'Namespace')[0]?.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('runs its replicas in its mode (leader election: 2; sharding: 3), rolled out one at a time, spread, under the restricted pod security standard', () => {
    const { replicas, pod, labels, strategy } = deployment(objects);
    expect(replicas).toBe(mode.replicas);
    expect(strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const env = pod.containers[0]?.env ?? [];
    expect(env).toEqual(expect.arrayContaining(mode.env));
    // The other mode's variables are gone: the controller refuses --sharding with --leader-elect.
    expect(env.filter((e) => mode.otherMode.test(e.name))).toEqual([]);
    expect(pod.topologySpreadConstraints?.map((c) => c.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    for (const constraint of pod.topologySpreadConstraints ?? []) {
      expect(labels).toMatchObject(constraint.labelSelector.matchLabels);
    }
    const [budget] = find(objects, 'PodDisruptionBudget');
    expect(budget?.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: expect.any(Object) } });
    expect(labels).toMatchObject(
      (budget?.spec as { selector: { matchLabels: object } }).selector.matchLabels,
    );
    expect(labels['app.kubernetes.io/name']).toBe('paiflow-controller');
    expect(pod.serviceAccountName).toBe('paiflow-controller');
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers).toHaveLength(1);
    const [container] = pod.containers;
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.securityContext).not.toHaveProperty('privileged', true);
    expect(container?.securityContext).not.toHaveProperty('capabilities.add');
  });

  it('probes /healthz and /readyz, exposes metrics, sets resources and POD_NAME', () => {
    const [container] = deployment(objects).pod.containers;
    expect(container?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'probes' });
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'probes' });
    expect(container?.ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'metrics', containerPort: 8080 }),
        expect.objectContaining({ name: 'probes', containerPort: 8081 }),
      ]),
    );
    expect(container?.resources?.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container?.resources?.limits).toMatchObject({ memory: expect.any(String) });
    expect(container?.env).toContainEqual({
      name: 'POD_NAME',
      valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
    });
    expect(container?.args?.[0]).toBe('run');
  });

  it('the NetworkPolicy admits only the metrics port, from pods; the probe port needs no rule', () => {
    const [policy, ...others] = find(objects, 'NetworkPolicy');
    expect(others).toEqual([]);
    const spec = policy?.spec as {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      ingress: { ports: { port: string; protocol: string }[]; from: unknown[] }[];
      egress?: unknown;
    };
    expect(deployment(objects).labels).toMatchObject(spec.podSelector.matchLabels);
    expect(spec.policyTypes).toEqual(['Ingress']);
    // One rule, for the port the container names `metrics`; the kubelet's probes come from the node.
    expect(spec.ingress).toEqual([
      { ports: [{ port: 'metrics', protocol: 'TCP' }], from: expect.any(Array) },
    ]);
    const ports = deployment(objects).pod.containers[0]?.ports?.map((p) => p.name);
    expect(ports).toEqual(expect.arrayContaining(['metrics', 'probes']));
    // From pods only (no ipBlock: nothing outside the cluster's pod network).
    for (const peer of spec.ingress[0]?.from ?? []) expect(peer).not.toHaveProperty('ipBlock');
    expect(spec.egress).toBeUndefined();
  });

  it('the metrics Service selects the controller pods', () => {
    const [service] = find(objects, 'Service');
    const selector = (service?.spec as { selector: Record<string, string> }).selector;
    expect(deployment(objects).labels).toMatchObject(selector);
  });

  it('grants nothing beyond least privilege, bound to the controller ServiceAccount', () => {
    const roles = [...find(objects, 'ClusterRole'), ...find(objects, 'Role')];
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      const metrics = rulesOf[role.metadata.name];
      if (metrics !== undefined) expect(role.rules).toEqual(metrics);
      else if (role.metadata.name === 'paiflow-controller-leader-election') {
        expect(role.metadata.namespace).toBe('paiflow-system');
        expect(permissionLines(role.rules as PolicyRule[])).toEqual([...LEADER_ELECTION_MAY].sort());
      } else if (role.metadata.name === 'paiflow-controller-shard-ring') {
        expect(role.metadata.namespace).toBe('paiflow-system');
        expect(role.rules).toEqual([
          {
            apiGroups: ['coordination.k8s.io'],
            resources: ['leases'],
            verbs: ['get', 'list', 'create', 'update', 'delete'],
          },
        ]);
        expect(permissionLines(role.rules as PolicyRule[])).toEqual([...SHARD_RING_MAY].sort());
      } else expect(permissionLines(role.rules as PolicyRule[])).toEqual([...RECONCILE_MAY].sort());
    }
    const bindings = [...find(objects, 'ClusterRoleBinding'), ...find(objects, 'RoleBinding')];
    // The metrics reader role is for Prometheus to bind; every other role is the controller's.
    expect(bindings.map((b) => (b.roleRef as { name: string }).name).sort()).toEqual(
      roles
        .map((r) => r.metadata.name)
        .filter((name) => name !== 'paiflow-controller-metrics-reader')
        .sort(),
    );
    for (const binding of bindings) {
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'paiflow-controller', namespace: 'paiflow-system' },
      ]);
    }
  });
});

describe('the optional monitoring kustomization (deploy/monitoring)', () => {
  it('holds the ServiceMonitor and the PrometheusRule in paiflow-system, valid against their schemas', async () => {
    const objects = await render('deploy/monitoring');
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}`).sort()).toEqual([
      'PrometheusRule/paiflow-system',
      'ServiceMonitor/paiflow-system',
    ]);
    for (const object of objects) validate(object);
  });

  it('is not part of deploy/, which must apply where prometheus-operator is not installed', async () => {
    const kinds = (await render('deploy')).map((o) => o.apiVersion);
    expect(kinds.filter((apiVersion) => apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
  });
});

describe('RBAC scope, --namespaces and the Lease Role per mode', () => {
  const clusterWide = [
    'ClusterRole/paiflow-controller',
    'ClusterRole/paiflow-controller-metrics-auth',
    'ClusterRole/paiflow-controller-metrics-reader',
    'ClusterRoleBinding/paiflow-controller',
    'ClusterRoleBinding/paiflow-controller-metrics-auth',
  ];
  // Only the secure-metrics roles: reviews are cluster-scoped, and read nothing.
  const metricsOnly = [
    'ClusterRole/paiflow-controller-metrics-auth',
    'ClusterRole/paiflow-controller-metrics-reader',
    'ClusterRoleBinding/paiflow-controller-metrics-auth',
  ];
  const teams = ['team-a/paiflow-controller', 'team-b/paiflow-controller'];
  it.each([
    {
      name: 'cluster-wide',
      dir: (): string => 'deploy',
      want: {
        clusterScoped: clusterWide,
        roles: ['paiflow-system/paiflow-controller-leader-election'],
        args: ['run'],
      },
    },
    {
      name: 'namespaced',
      dir: namespacedInstall,
      want: {
        clusterScoped: metricsOnly,
        roles: ['paiflow-system/paiflow-controller-leader-election', ...teams],
        args: ['run', '--namespaces=team-a,team-b'],
      },
    },
    {
      name: 'sharding',
      dir: shardingInstall,
      want: {
        clusterScoped: clusterWide,
        roles: ['paiflow-system/paiflow-controller-shard-ring'],
        args: ['run'],
      },
    },
    {
      name: 'namespaced and sharding',
      dir: namespacedShardingInstall,
      want: {
        clusterScoped: metricsOnly,
        roles: ['paiflow-system/paiflow-controller-shard-ring', ...teams],
        args: ['run', '--namespaces=team-a,team-b'],
      },
    },
  ])('$name', async ({ dir, want }) => {
    const objects = await render(dir());
    const roleNames = (kind: string): string[] =>
      find(objects, kind)
        .map((r) => `${r.metadata.namespace ?? ''}/${r.metadata.name}`)
        .sort();
    expect(roleNames('RoleBinding')).toEqual(roleNames('Role'));
    expect({
      clusterScoped: objects
        .filter((o) => o.kind.startsWith('ClusterRole'))
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
      roles: roleNames('Role'),
      args: deployment(objects).pod.containers[0]?.args,
    }).toEqual(want);
  });
});

describe('schema validation', () => {
  it('rejects an invalid object (the validator really checks)', () => {
    expect(() => {
      validate({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'x' },
        spec: { replicas: 'one' },
      });
    }).toThrow();
  });
});
