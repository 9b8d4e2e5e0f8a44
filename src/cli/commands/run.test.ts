import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ACCESS_KEY,
  CREDENTIALS_SECRET,
  NAMESPACE,
  readCrd,
  waitFor,
} from '../../../test/support/environment.ts';
import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import { KubeSim } from '../../sandbox/kube-sim/kube-sim.ts';
import { PaiflowSimulator, validateScenario } from '../../sandbox/paiflow-sim/index.ts';
import { collect, exitCode, freePort, startCli, type Child } from './child-process.test-helper.ts';

// `paiflow-controller run` as a real child process against kube-sim and the PAIFlow simulator.

let dir: string;
let kubeconfig: string;
let kube: KubeSim;
let paiflow: PaiflowSimulator;
const children: Child[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'run-cli-'));
  kube = new KubeSim();
  kube.create(readCrd());
  await kube.listen({ host: '127.0.0.1', port: 0 });
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CREDENTIALS_SECRET, namespace: NAMESPACE },
    stringData: { ...ACCESS_KEY },
  });
  paiflow = new PaiflowSimulator({
    accessKeys: [ACCESS_KEY],
    scenario: validateScenario({
      settings: { readyToSchedule: '1s', starting: '1s' },
      runs: [
        { id: 'flow-cli0001', startAfter: '10s', nodes: [{ id: 'node-a', name: 'prepare', duration: '1m' }] },
        { id: 'flow-hang0001', nodes: [{ id: 'node-h', name: 'hang', duration: '1m' }] },
      ],
    }),
    clock: { kind: 'manual' },
  });
  await paiflow.listen();
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kube.kubeconfig());
});

afterEach(() => {
  paiflow.clearFaults();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await paiflow.close();
  await kube.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: Child;
  stderr: () => string;
  probeUrl: string;
  metricsUrl: string;
}

/** Starts `run` against kube-sim with fast polling; the probe listens on a port picked just before. */
async function startRun(args: string[] = [], env: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = startCli(
    [
      'run',
      '--kubeconfig',
      kubeconfig,
      '--probe-address',
      `127.0.0.1:${port}`,
      '--metrics-address',
      `127.0.0.1:${metricsPort}`,
      '--endpoint-allow-list',
      'http://127.0.0.1:*',
      '--default-poll-interval',
      '200ms',
      '--min-poll-interval',
      '50ms',
      // kube-sim reviews no tokens; secure metrics are tested against the real API server.
      '--metrics-secure=false',
      ...args,
    ],
    env,
  );
  children.push(child);
  return {
    child,
    stderr: collect(child.stderr),
    probeUrl: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
  };
}

/** GETs a probe path; undefined while nothing listens yet. */
async function probe(running: Running, path: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(`${running.probeUrl}${path}`);
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

/** Like waitFor, for asynchronous checks. */
async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function probeStatus(running: Running, path: string, status: number): Promise<string> {
  return await eventually(async () => {
    const answer = await probe(running, path);
    return answer?.status === status ? answer.body : undefined;
  }, `${path} ${status}`);
}

function createResource(name: string, spec: Record<string, unknown>): void {
  kube.create({
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name, namespace: NAMESPACE },
    spec: { endpoint: paiflow.endpoint, credentialsSecretRef: { name: CREDENTIALS_SECRET }, ...spec },
  });
}

function phaseOf(name: string): string | undefined {
  const resource = kube.get({
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    namespace: NAMESPACE,
    name,
  }) as PipelineRunNode | undefined;
  return resource?.status?.phase;
}

async function hungRequest(name: string): Promise<void> {
  const fault = paiflow.injectFault({ kind: 'hang', pipelineRunId: 'flow-hang0001' });
  createResource(name, { pipelineRunId: 'flow-hang0001', nodeId: 'node-h' });
  await waitFor(() => paiflow.faults().some((f) => f.id === fault.id && f.hits > 0), 'a hung PAIFlow call');
}

test('tracks a PipelineRunNode, serves probes, logs its configuration; SIGTERM cancels what outlives --shutdown-timeout and exits 0', async () => {
  const running = await startRun(['--paiflow-timeout', '1m', '--shutdown-timeout', '300ms']);
  expect(await probeStatus(running, '/readyz', 200)).toBe('ok\n');
  expect(await probeStatus(running, '/healthz', 200)).toBe('ok\n');

  createResource('tracked', { pipelineRunId: 'flow-cli0001', nodeId: 'node-a' });
  await waitFor(() => phaseOf('tracked') === 'Initialized', 'phase Initialized');
  paiflow.setTime(30_000);
  await waitFor(() => phaseOf('tracked') === 'Running', 'phase Running');

  const metrics = await (await fetch(running.metricsUrl)).text();
  expect(metrics).toContain(`paiflow_resources{namespace="${NAMESPACE}",phase="Running"} 1`);
  expect(metrics).toMatch(
    /paiflow_api_requests_total\{operation="ListPipelineRunNodeStatus",code="200"\} [1-9]/,
  );
  // Polling goes on while it runs, in batches.
  await eventually(
    async () =>
      /paiflow_api_requests_total\{operation="ListPipelineRunsStatus",code="200"\} [1-9]/.test(
        await (await fetch(running.metricsUrl)).text(),
      ) || undefined,
    'a batched status call',
  );

  const startup = JSON.parse(running.stderr().split('\n')[0] ?? '') as Record<string, unknown>;
  expect(startup).toMatchObject({
    msg: 'paiflow-controller starting',
    kubeconfig,
    server: kube.url,
    namespaces: 'all',
    workers: 4,
    defaultPollIntervalMs: 200,
    minPollIntervalMs: 50,
    endpointAllowList: ['http://127.0.0.1:*'],
    defaultCredentials: { namespaces: 'all' },
    probeAddress: running.probeUrl.slice('http://'.length),
    metricsAddress: new URL(running.metricsUrl).host,
    shutdownTimeoutMs: 300,
  });

  await hungRequest('hung-at-shutdown');
  const signalledAt = Date.now();
  running.child.kill('SIGTERM');
  expect(await exitCode(running.child)).toBe(0);
  expect(Date.now() - signalledAt).toBeLessThan(3000);
  expect(running.stderr()).toContain('"msg":"stopped"');
  expect(running.stderr()).not.toContain(ACCESS_KEY.accessKeySecret);
});

test('/readyz is 500 until the cache syncs; API server errors do not stop run', async () => {
  const lists = () => kube.counters.count({ verb: 'list', resource: 'pipelinerunnodes' });
  const listsBefore = lists();
  // Until cleared: the window in which /readyz must fail is then as long as the test needs.
  kube.faults.add({ code: 500, verb: 'list', resource: 'pipelinerunnodes', count: 1_000_000 });
  try {
    const running = await startRun();
    await probeStatus(running, '/healthz', 200);
    await waitFor(() => lists() > listsBefore, 'a failed list');
    expect(await probe(running, '/readyz')).toMatchObject({ status: 500 });
    kube.faults.clear();
    expect(await probeStatus(running, '/readyz', 200)).toBe('ok\n');
    running.child.kill('SIGTERM');
    expect(await exitCode(running.child)).toBe(0);
  } finally {
    kube.faults.clear();
  }
});

test('PAIFLOW_DEFAULT_CREDENTIALS_NAMESPACES empty: the controller’s own credentials serve no namespace', async () => {
  const running = await startRun([], { PAIFLOW_DEFAULT_CREDENTIALS_NAMESPACES: '' });
  await probeStatus(running, '/readyz', 200);
  const startup = JSON.parse(running.stderr().split('\n')[0] ?? '') as Record<string, unknown>;
  expect(startup).toMatchObject({ defaultCredentials: { namespaces: [] } });
  running.child.kill('SIGTERM');
  expect(await exitCode(running.child)).toBe(0);
});

test('a second signal during shutdown exits 1 at once', async () => {
  const running = await startRun(['--paiflow-timeout', '1m', '--shutdown-timeout', '1m']);
  await probeStatus(running, '/readyz', 200);
  await hungRequest('hung-at-second-signal');
  running.child.kill('SIGTERM');
  await waitFor(() => running.stderr().includes('stopping'), 'the stopping log line');
  running.child.kill('SIGINT');
  expect(await exitCode(running.child)).toBe(1);
  expect(running.stderr()).toContain('second signal during shutdown');
});

test('--help lists every flag with its environment variable', async () => {
  const child = startCli(['run', '--help']);
  children.push(child);
  const stdout = collect(child.stdout);
  expect(await exitCode(child)).toBe(0);
  // Help wraps at 80 columns: compare with whitespace collapsed, each flag up to its own (env: ...).
  const help = stdout().replace(/\s+/g, ' ');
  const flags = [
    ['--kubeconfig <file>', 'KUBECONFIG'],
    ['--namespaces <a,b>', 'PAIFLOW_NAMESPACES'],
    ['--label-selector <selector>', 'PAIFLOW_LABEL_SELECTOR'],
    ['--workers <n>', 'PAIFLOW_WORKERS'],
    ['--default-poll-interval <duration>', 'PAIFLOW_DEFAULT_POLL_INTERVAL'],
    ['--min-poll-interval <duration>', 'PAIFLOW_MIN_POLL_INTERVAL'],
    ['--stalled-retry-interval <duration>', 'PAIFLOW_STALLED_RETRY_INTERVAL'],
    ['--default-region <region>', 'PAIFLOW_DEFAULT_REGION'],
    ['--vpc-endpoints [boolean]', 'PAIFLOW_VPC_ENDPOINTS'],
    ['--endpoint-allow-list <patterns>', 'PAIFLOW_ENDPOINT_ALLOW_LIST'],
    ['--default-credentials-namespaces <a,b>', 'PAIFLOW_DEFAULT_CREDENTIALS_NAMESPACES'],
    ['--paiflow-qps <n>', 'PAIFLOW_PAIFLOW_QPS'],
    ['--paiflow-burst <n>', 'PAIFLOW_PAIFLOW_BURST'],
    ['--paiflow-max-concurrent <n>', 'PAIFLOW_PAIFLOW_MAX_CONCURRENT'],
    ['--paiflow-max-concurrent-per-identity <n>', 'PAIFLOW_PAIFLOW_MAX_CONCURRENT_PER_IDENTITY'],
    ['--paiflow-timeout <duration>', 'PAIFLOW_PAIFLOW_TIMEOUT'],
    ['--paiflow-batch-size <n>', 'PAIFLOW_PAIFLOW_BATCH_SIZE'],
    ['--full-refresh-intervals <n>', 'PAIFLOW_FULL_REFRESH_INTERVALS'],
    ['--paiflow-ca-file <file>', 'PAIFLOW_PAIFLOW_CA_FILE'],
    ['--reconcile-timeout <duration>', 'PAIFLOW_RECONCILE_TIMEOUT'],
    ['--probe-address <host:port>', 'PAIFLOW_PROBE_ADDRESS'],
    ['--shutdown-timeout <duration>', 'PAIFLOW_SHUTDOWN_TIMEOUT'],
    ['--leader-elect [boolean]', 'PAIFLOW_LEADER_ELECT'],
    ['--leader-election-namespace <namespace>', 'PAIFLOW_LEADER_ELECTION_NAMESPACE'],
    ['--leader-election-id <name>', 'PAIFLOW_LEADER_ELECTION_ID'],
    ['--leader-election-lease-duration <duration>', 'PAIFLOW_LEADER_ELECTION_LEASE_DURATION'],
    ['--leader-election-renew-deadline <duration>', 'PAIFLOW_LEADER_ELECTION_RENEW_DEADLINE'],
    ['--leader-election-retry-period <duration>', 'PAIFLOW_LEADER_ELECTION_RETRY_PERIOD'],
    ['--sharding [boolean]', 'PAIFLOW_SHARDING'],
    ['--shard-ring <name>', 'PAIFLOW_SHARD_RING'],
    ['--log-level <level>', 'PAIFLOW_LOG_LEVEL'],
    ['--log-format <format>', 'PAIFLOW_LOG_FORMAT'],
  ];
  for (const [flag = '', env = ''] of flags) {
    const start = help.indexOf(` ${flag} `);
    expect(start).toBeGreaterThan(0);
    expect(help.slice(start, help.indexOf(')', help.indexOf('env:', start)) + 1)).toMatch(
      new RegExp(`env: ${env}\\)$`),
    );
  }
  expect(help).toContain('@alicloud/credentials');
  expect(help).toContain('ALIBABA_CLOUD_ROLE_ARN');
});

interface BadValue {
  name: string;
  args: string[];
  env?: Record<string, string>;
  want: string;
}

test.each<BadValue>([
  { name: '--workers 0', args: ['--workers', '0'], want: "option '--workers <n>' argument '0' is invalid" },
  {
    name: '--full-refresh-intervals 0',
    args: ['--full-refresh-intervals', '0'],
    want: "option '--full-refresh-intervals <n>' argument '0' is invalid",
  },
  {
    name: '--paiflow-batch-size -1',
    args: ['--paiflow-batch-size', '-1'],
    want: "option '--paiflow-batch-size <n>' argument '-1' is invalid",
  },
  {
    name: 'minimum above the default poll interval',
    args: ['--min-poll-interval', '1m', '--default-poll-interval', '30s'],
    want: "options '--min-poll-interval <duration>' and '--default-poll-interval <duration>' conflict",
  },
  {
    name: 'malformed allow-list entry',
    args: ['--endpoint-allow-list', 'bad pattern'],
    want: "option '--endpoint-allow-list <patterns>' argument 'bad pattern' is invalid",
  },
  {
    name: '* beside namespace names',
    args: ['--default-credentials-namespaces', '*,team-a'],
    want: "option '--default-credentials-namespaces <a,b>' argument '*,team-a' is invalid. expected * alone or namespace names",
  },
  {
    name: 'a namespace name that cannot be one',
    args: ['--default-credentials-namespaces', 'Team_A'],
    want: 'expected namespace names such as team-a (lower-case DNS labels), got "Team_A"',
  },
  {
    name: 'missing kubeconfig',
    args: ['--kubeconfig', '/nope'],
    want: "option '--kubeconfig <file>' argument '/nope' is invalid. no such file: /nope",
  },
  {
    name: 'a CA file that is missing',
    args: ['--kubeconfig', '$KUBECONFIG', '--paiflow-ca-file', '/nope.pem'],
    want: "option '--paiflow-ca-file <file>' argument '/nope.pem' is invalid. no such file.",
  },
  {
    name: 'a CA file without certificates',
    args: ['--kubeconfig', '$KUBECONFIG', '--paiflow-ca-file', '$KUBECONFIG'],
    want: 'is invalid. expected PEM certificates (-----BEGIN CERTIFICATE-----), got none.',
  },
  {
    name: 'PAIFLOW_WORKERS=0',
    args: [],
    env: { PAIFLOW_WORKERS: '0' },
    want: "option '--workers <n>' value '0' from env 'PAIFLOW_WORKERS' is invalid",
  },
  {
    name: 'KUBECONFIG naming a missing file',
    args: [],
    env: { KUBECONFIG: '/nope' },
    want: "option '--kubeconfig <file>' value '/nope' from env 'KUBECONFIG' is invalid",
  },
  {
    name: 'a label selector the API server would refuse',
    args: ['--kubeconfig', '$KUBECONFIG', '--label-selector', 'a in ('],
    want: "option '--label-selector <selector>' argument 'a in (' is invalid. unable to parse requirement",
  },
  {
    name: 'PAIFLOW_LABEL_SELECTOR the API server would refuse',
    args: ['--kubeconfig', '$KUBECONFIG'],
    env: { PAIFLOW_LABEL_SELECTOR: 'tier=ml,=x' },
    want: "option '--label-selector <selector>' value 'tier=ml,=x' from env 'PAIFLOW_LABEL_SELECTOR' is invalid",
  },
  {
    name: '--leader-elect outside a pod, without a namespace',
    args: ['--kubeconfig', '$KUBECONFIG', '--leader-elect'],
    want: "option '--leader-elect' needs the Lease's namespace: set option '--leader-election-namespace <namespace>'",
  },
  {
    name: '--sharding outside a pod, without a namespace',
    args: ['--kubeconfig', '$KUBECONFIG', '--sharding'],
    want: "option '--sharding' needs the Lease's namespace: set option '--leader-election-namespace <namespace>'",
  },
  {
    name: '--sharding with --leader-elect',
    args: ['--leader-elect', '--sharding'],
    want: "options '--leader-elect [boolean]' and '--sharding [boolean]' conflict: sharding replaces leader election (every replica is active and works on its share of the resources): drop --leader-elect.",
  },
  {
    name: 'PAIFLOW_SHARDING with --leader-elect',
    args: ['--leader-elect'],
    env: { PAIFLOW_SHARDING: 'true' },
    want: "options '--leader-elect [boolean]' and '--sharding [boolean]' (from env 'PAIFLOW_SHARDING') conflict",
  },
  {
    name: 'a ring name that is not a DNS label',
    args: ['--shard-ring', 'Ring.One'],
    want: "option '--shard-ring <name>' argument 'Ring.One' is invalid. expected a ring name such as paiflow-controller",
  },
  {
    name: 'a renew deadline as long as the lease duration',
    args: ['--leader-election-renew-deadline', '15s'],
    want: "options '--leader-election-renew-deadline <duration>' and '--leader-election-lease-duration <duration>' conflict",
  },
  {
    name: 'a Lease name that is not a DNS subdomain',
    args: ['--leader-election-id', 'Paiflow_Controller'],
    want: "option '--leader-election-id <name>' argument 'Paiflow_Controller' is invalid",
  },
  {
    name: 'probe address in use',
    args: ['--kubeconfig', '$KUBECONFIG', '--probe-address', '$KUBE_SIM_ADDRESS'],
    want: "option '--probe-address <host:port>' argument '127.0.0.1:",
  },
])('$name: exits 2 with one line naming the flag', async ({ args, env, want }) => {
  // kube-sim's own address is one where the probe server certainly cannot listen.
  const values: Record<string, string> = { $KUBECONFIG: kubeconfig, $KUBE_SIM_ADDRESS: kube.url.slice(7) };
  const child = startCli(['run', ...args.map((arg) => values[arg] ?? arg)], env);
  children.push(child);
  const stderr = collect(child.stderr);
  expect(await exitCode(child)).toBe(2);
  // One line says it all (after the JSON start-up log line, for checks made once started).
  expect(
    stderr()
      .split('\n')
      .filter((line) => !line.startsWith('{') && line !== ''),
  ).toEqual([expect.stringContaining(want)]);
});
