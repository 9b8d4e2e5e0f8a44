import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { systemClock } from '../clock/clock.ts';
import { DefaultChainCredentialsProvider } from '../paiflow/index.ts';
import { Registry } from 'prom-client';
import {
  describeConfiguration,
  findFlagConflict,
  leaderElectionNamespace,
  loadKubeConfig,
  managerOptions,
  proxyFromEnvironment,
  SHARD_IDENTITY_SUFFIX_LENGTH,
  shardIdentity,
  type RunFlags,
} from './run-config.ts';

const flags: RunFlags = {
  namespaces: ['team-a', 'team-b'],
  labelSelector: 'tier=ml',
  workers: 8,
  defaultPollInterval: 30_000,
  minPollInterval: 10_000,
  stalledRetryInterval: 300_000,
  defaultRegion: 'cn-hangzhou',
  vpcEndpoints: true,
  endpointAllowList: ['paiflow.*.aliyuncs.com'],
  defaultCredentialsNamespaces: ['team-a'],
  paiflowQps: 5,
  paiflowBurst: 7,
  paiflowMaxConcurrent: 3,
  paiflowMaxConcurrentPerIdentity: 2,
  paiflowTimeout: 9000,
  paiflowBatchSize: 50,
  fullRefreshIntervals: 20,
  reconcileTimeout: 45_000,
  probeAddress: { host: '0.0.0.0', port: 8081 },
  metricsAddress: { host: '0.0.0.0', port: 9090 },
  metricsSecure: true,
  perObjectMetrics: true,
  shutdownTimeout: 20_000,
  leaderElect: true,
  leaderElectionId: 'paiflow-controller',
  leaderElectionLeaseDuration: 15_000,
  leaderElectionRenewDeadline: 10_000,
  leaderElectionRetryPeriod: 2_000,
  sharding: false,
  shardRing: 'paiflow-controller',
  logLevel: 'info',
  logFormat: 'json',
};

const TOKEN = 'kube-token-never-logged';

function kubeconfigYaml(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- {name: c, cluster: {server: "${server}"}}`,
    'contexts:',
    '- {name: x, context: {cluster: c, user: u}}',
    'users:',
    `- {name: u, user: {token: ${TOKEN}}}`,
    'current-context: x',
  ].join('\n');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'run-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test.each([
  { name: 'minimum equal to the default', input: { minPollInterval: 30_000 }, want: undefined },
  {
    name: 'minimum above the default',
    input: { minPollInterval: 60_000 },
    want: {
      flags: ['minPollInterval', 'defaultPollInterval'],
      problem: 'the minimum poll interval (60s) must not exceed the default (30s)',
    },
  },
  {
    name: 'a certificate without its key',
    input: { metricsCertFile: '/tls/tls.crt' },
    want: {
      flags: ['metricsCertFile', 'metricsKeyFile'],
      problem: 'give both the certificate and its key, or neither (then a self-signed certificate is made)',
    },
  },
  {
    name: 'a certificate for plain HTTP',
    input: { metricsSecure: false, metricsCertFile: '/tls/tls.crt', metricsKeyFile: '/tls/tls.key' },
    want: {
      flags: ['metricsCertFile', 'metricsSecure'],
      problem: 'a certificate is only used when metrics are served over HTTPS: drop it or the false',
    },
  },
  {
    name: 'a renew deadline as long as the lease',
    input: { leaderElectionRenewDeadline: 15_000 },
    want: {
      flags: ['leaderElectionRenewDeadline', 'leaderElectionLeaseDuration'],
      problem:
        'the renew deadline (15s) must be shorter than the lease duration (15s), or a leader could still work after the others took over',
    },
  },
  {
    name: 'a retry period longer than the renew deadline',
    input: { leaderElectionRetryPeriod: 12_000 },
    want: {
      flags: ['leaderElectionRetryPeriod', 'leaderElectionRenewDeadline'],
      problem: 'the retry period (12s) must be shorter than the renew deadline (10s)',
    },
  },
  {
    name: 'sharding with leader election',
    input: { sharding: true },
    want: {
      flags: ['leaderElect', 'sharding'],
      problem:
        'sharding replaces leader election (every replica is active and works on its share of the resources): drop --leader-elect',
    },
  },
  { name: 'sharding alone', input: { sharding: true, leaderElect: false }, want: undefined },
  {
    name: 'certificate and key',
    input: { metricsCertFile: '/tls/tls.crt', metricsKeyFile: '/tls/tls.key' },
    want: undefined,
  },
])('findFlagConflict: $name', ({ input, want }) => {
  expect(findFlagConflict({ ...flags, ...input })).toEqual(want);
});

test('managerOptions maps every flag to its Manager option', () => {
  const kubeConfig = new KubeConfig();
  const log = pino({ level: 'silent' });
  const defaultCredentials = new DefaultChainCredentialsProvider();
  const registry = new Registry();
  expect(
    managerOptions(flags, {
      kubeConfig,
      clock: systemClock,
      log,
      defaultCredentials,
      instance: 'pod-1',
      registry,
      version: '1.2.3',
      paiflowNetwork: { httpsProxy: 'http://proxy:3128' },
      leaderElection: { namespace: 'paiflow-system', identity: 'pod-1_abc' },
    }),
  ).toEqual({
    kubeConfig,
    clock: systemClock,
    log,
    namespaces: ['team-a', 'team-b'],
    labelSelector: 'tier=ml',
    workers: 8,
    defaultPollIntervalMs: 30_000,
    minPollIntervalMs: 10_000,
    stalledRetryMs: 300_000,
    defaultRegion: 'cn-hangzhou',
    vpcEndpoints: true,
    endpointAllowList: ['paiflow.*.aliyuncs.com'],
    defaultCredentials,
    defaultCredentialsNamespaces: ['team-a'],
    paiflowQps: 5,
    paiflowBurst: 7,
    paiflowMaxConcurrent: 3,
    paiflowMaxConcurrentPerIdentity: 2,
    paiflowTimeoutMs: 9000,
    paiflowBatchSize: 50,
    fullRefreshIntervals: 20,
    paiflowNetwork: { httpsProxy: 'http://proxy:3128' },
    reconcileTimeoutMs: 45_000,
    probeAddress: { host: '0.0.0.0', port: 8081 },
    instance: 'pod-1',
    leaderElection: {
      namespace: 'paiflow-system',
      identity: 'pod-1_abc',
      id: 'paiflow-controller',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    },
    sharding: undefined,
    metrics: {
      registry,
      version: '1.2.3',
      perObjectMetrics: true,
      address: { host: '0.0.0.0', port: 9090 },
      secure: { certificate: undefined },
    },
  });
});

test('managerOptions with sharding: the ring reuses the namespace and the Lease timings', () => {
  const options = managerOptions(
    {
      ...flags,
      leaderElect: false,
      sharding: true,
      shardRing: 'ring-a',
      leaderElectionLeaseDuration: 3000,
      leaderElectionRenewDeadline: 2000,
      leaderElectionRetryPeriod: 500,
    },
    {
      kubeConfig: new KubeConfig(),
      clock: systemClock,
      log: pino({ level: 'silent' }),
      defaultCredentials: new DefaultChainCredentialsProvider(),
      instance: 'pod-1',
      registry: new Registry(),
      version: '1.2.3',
      paiflowNetwork: {},
      sharding: { namespace: 'paiflow-system', identity: 'pod-1-x7k2q' },
    },
  );
  expect(options.leaderElection).toBeUndefined();
  expect(options.sharding).toEqual({
    namespace: 'paiflow-system',
    identity: 'pod-1-x7k2q',
    ring: 'ring-a',
    leaseDurationMs: 3000,
    renewDeadlineMs: 2000,
    retryPeriodMs: 500,
  });
});

// What Kubernetes accepts as an object name (IsDNS1123Subdomain).
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

test.each([
  {
    name: 'a pod name',
    instance: 'paiflow-controller-7d9f8-x2x9z',
    want: 'paiflow-controller-7d9f8-x2x9z-ab1c2',
  },
  { name: 'a host name with capitals and dots', instance: 'Build.Host_01', want: 'build-host-01-ab1c2' },
  { name: 'nothing usable', instance: '___', want: 'ab1c2' },
])('shardIdentity: $name', ({ instance, want }) => {
  const identity = shardIdentity(instance, 'paiflow-controller', 'ab1c2');
  expect(identity).toBe(want);
  expect(`paiflow-controller-${identity}`).toMatch(DNS_SUBDOMAIN);
});

test('shardIdentity shortens a long pod name so that the Lease name fits in 253 characters', () => {
  const ring = 'r'.repeat(63);
  const suffix = 'z'.repeat(SHARD_IDENTITY_SUFFIX_LENGTH);
  const identity = shardIdentity(`${'a'.repeat(180)}-${'b'.repeat(70)}`, ring, suffix);
  const lease = `${ring}-${identity}`;
  expect(lease).toHaveLength(253);
  expect(lease).toMatch(DNS_SUBDOMAIN);
  expect(identity.endsWith(`-${suffix}`)).toBe(true);
  // Cut right after a '-': the trailing '-' goes, the name still ends in a letter.
  const cutAtDash = shardIdentity(`${'a'.repeat(182)}-bbb`, ring, suffix);
  expect(`${ring}-${cutAtDash}`).toMatch(DNS_SUBDOMAIN);
});

test.each([
  { name: 'the flag wins', flag: 'ops', env: { POD_NAMESPACE: 'env-ns' }, file: 'file-ns', want: 'ops' },
  {
    name: 'then POD_NAMESPACE',
    flag: undefined,
    env: { POD_NAMESPACE: 'env-ns' },
    file: 'file-ns',
    want: 'env-ns',
  },
  {
    name: 'then the mount',
    flag: undefined,
    env: { POD_NAMESPACE: ' ' },
    file: 'file-ns\n',
    want: 'file-ns',
  },
  { name: 'else none', flag: undefined, env: {}, file: undefined, want: undefined },
])('leaderElectionNamespace: $name', ({ flag, env, file, want }) => {
  expect(leaderElectionNamespace(flag, env, () => file)).toBe(want);
});

test.each([
  { name: 'none', env: {}, want: {} },
  {
    name: 'uppercase',
    env: { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://q:2', NO_PROXY: 'localhost' },
    want: { httpsProxy: 'http://p:1', httpProxy: 'http://q:2', noProxy: 'localhost' },
  },
  {
    name: 'lowercase wins; empty is unset',
    env: {
      https_proxy: 'http://low:1',
      HTTPS_PROXY: 'http://up:1',
      http_proxy: '',
      HTTP_PROXY: 'http://up:2',
    },
    want: { httpsProxy: 'http://low:1', httpProxy: 'http://up:2' },
  },
])('proxyFromEnvironment: $name', ({ env, want }) => {
  expect(proxyFromEnvironment(env)).toEqual(want);
});

test.each([
  { name: 'a missing file', content: undefined, fromEnv: false, want: /^no such file: .*absent$/ },
  { name: 'KUBECONFIG listing a missing file', content: undefined, fromEnv: true, want: /absent$/ },
  { name: 'a file that is not YAML', content: 'clusters: [', fromEnv: false, want: /^cannot load it: / },
  {
    name: 'a current context without a cluster',
    content: 'apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n',
    fromEnv: false,
    want: 'its current context ("nowhere") names no cluster',
  },
  {
    name: 'a server that is not a URL',
    content: kubeconfigYaml('::bad::'),
    fromEnv: false,
    want: 'the server of its cluster "c" is not a URL: "::bad::"',
  },
])('loadKubeConfig refuses $name', ({ name, content, fromEnv, want }) => {
  const good = file('good', kubeconfigYaml('http://127.0.0.1:6443'));
  const path = content === undefined ? join(dir, 'absent') : file(name, content);
  const option = { file: fromEnv ? [good, path].join(delimiter) : path, fromEnv };
  expect(() => loadKubeConfig(option)).toThrow(want);
});

test('loadKubeConfig loads the --kubeconfig file; the startup description names it and leaks no credential', () => {
  const path = file('kubeconfig', kubeconfigYaml('https://10.0.0.1:6443'));
  const kube = loadKubeConfig({ file: path, fromEnv: false });
  expect(kube.source).toBe(path);
  const described = describeConfiguration(flags, kube, {
    instance: 'pod-1',
    credentialVariables: ['ALIBABA_CLOUD_ROLE_ARN'],
    version: '1.2.3',
    network: { httpsProxy: 'http://user:proxy-password@proxy:3128', noProxy: '.svc' },
  });
  expect(described).toMatchObject({
    kubeconfig: path,
    context: 'x',
    server: 'https://10.0.0.1:6443',
    namespaces: ['team-a', 'team-b'],
    defaultPollIntervalMs: 30_000,
    probeAddress: '0.0.0.0:8081',
    instance: 'pod-1',
    defaultCredentials: { variables: ['ALIBABA_CLOUD_ROLE_ARN'], namespaces: ['team-a'] },
    paiflowProxy: { http: 'none', https: 'http://user:***@proxy:3128', noProxy: '.svc' },
  });
  expect(described.sharding).toBe('off');
  expect(
    describeConfiguration({ ...flags, leaderElect: false, sharding: true }, kube, {
      instance: 'pod-1',
      credentialVariables: [],
      version: '1.2.3',
      network: {},
      leaderElectionNamespace: 'paiflow-system',
      shardIdentity: 'pod-1-ab1c2',
    }),
  ).toMatchObject({
    leaderElection: 'off',
    sharding: { namespace: 'paiflow-system', ring: 'paiflow-controller', identity: 'pod-1-ab1c2' },
  });
  expect(JSON.stringify(described)).not.toContain(TOKEN);
  expect(JSON.stringify(described)).not.toContain('proxy-password');
});
