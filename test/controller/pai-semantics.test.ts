import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import { luaTool, runArgoLua } from '../gitops/lua.ts';
import type { Json } from '../gitops/lua-table.ts';
import { promtool, promtoolTool } from '../monitoring/promtool.ts';
import {
  ACCESS_KEY,
  condition,
  eventsAbout,
  kubectl,
  kubectlWithInput,
  NAMESPACE,
  pipelineRunNode,
  startEnvironment,
  waitFor,
  waitForPolls,
  waitForResource,
  type Environment,
} from '../support/environment.ts';

// What PAI's statuses mean to users, end to end through the simulator over HTTP: a branch not taken
// is no failure, a run that never got a root node still finishes, a failing physical query does not
// hide the logical answer, an expired STS token is refreshed, and a failure says what failed.

const STS_OLD = {
  accessKeyId: 'STS.old-key',
  accessKeySecret: 'old-secret-0123456789',
  securityToken: 'old-token',
};
const STS_NEW = {
  accessKeyId: 'STS.new-key',
  accessKeySecret: 'new-secret-0123456789',
  securityToken: 'new-token',
};
const HEALTH_LUA = new URL(
  '../../deploy/argocd/resource_customizations/paiflow.dev/PipelineRunNode/health.lua',
  import.meta.url,
);
const RULE_FILE = new URL('../../deploy/monitoring/prometheusrule.yaml', import.meta.url);

// Tools these tests need: in CI (CI set) their absence is a failure, never a silent skip.
const lua = luaTool();
const promtoolFound = promtoolTool();
for (const tool of [lua, promtoolFound]) {
  if (tool.missing !== undefined && process.env.CI !== undefined) throw new Error(tool.missing);
}

let env: Environment;
let registry: Registry;

beforeAll(async () => {
  registry = new Registry();
  env = await startEnvironment({
    runs: [
      {
        // A condition whose false branch is not taken: `else` and what depends on it are Skipped.
        id: 'flow-branch001',
        nodes: [
          { id: 'node-check', name: 'check', duration: '10s' },
          { id: 'node-then', name: 'then', dependsOn: ['node-check'], duration: '10s' },
          { id: 'node-else', name: 'else', dependsOn: ['node-check'], outcome: 'skip' },
          { id: 'node-after', name: 'after-else', dependsOn: ['node-else'], duration: '10s' },
        ],
      },
      // Terminated while queued: never gets a root node.
      {
        id: 'flow-queued001',
        startAfter: '8m',
        endsQueued: 'terminate',
        nodes: [{ id: 'q', duration: '1s' }],
      },
      {
        id: 'flow-phys00001',
        nodes: [{ id: 'node-train', name: 'train', duration: '10h', physical: [{ id: 'worker-0' }] }],
      },
      { id: 'flow-sts000001', nodes: [{ id: 'node-long', name: 'long', duration: '10h' }] },
      {
        id: 'flow-fails0001',
        nodes: [
          { id: 'node-extract', name: 'extract', duration: '10s' },
          {
            id: 'node-transform',
            name: 'transform',
            dependsOn: ['node-extract'],
            duration: '10s',
            outcome: 'fail',
            runtimeInfo: { ERROR: 'OOMKilled: container exceeded 8Gi', DLC_JOB_URL: 'https://example/dlc-1' },
          },
          { id: 'node-load', name: 'load', dependsOn: ['node-transform'], duration: '10s' },
        ],
      },
    ],
    paiflow: { accessKeys: [ACCESS_KEY, STS_OLD, STS_NEW] },
    manager: {
      metrics: { registry, version: 'test', perObjectMetrics: false, address: undefined },
    },
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await env.close();
});

function secret(name: string, data: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE }, stringData: data };
}

async function warnings(name: string): Promise<string[]> {
  return (await eventsAbout(env, name))
    .filter((e) => e.type === 'Warning')
    .map((e) => `${e.reason}: ${e.message}`);
}

/** What Argo CD's health check (deploy/argocd, run by Lua 5.1 as Argo CD does) says of a resource. */
function argoHealth(resource: PipelineRunNode): string {
  return runArgoLua('health', fileURLToPath(HEALTH_LUA), resource as unknown as Json).split('\n')[0] ?? '';
}

/**
 * Runs the shipped PrometheusRule with promtool over what the controller exports now, held for 30
 * minutes (counters rising from 0 to their value, so rates see them): the alerts that would fire.
 */
async function alertsFiringOver(exposition: string): Promise<string> {
  const series = exposition
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.lastIndexOf(' ');
      const name = line.slice(0, at);
      const labels = name.includes('{')
        ? name.replace('{', '{job="paiflow-controller",')
        : `${name}{job="paiflow-controller"}`;
      return { series: labels.replace(',}', '}'), values: `0 ${line.slice(at + 1)}x30` };
    });
  series.push({ series: 'up{job="paiflow-controller"}', values: '1x31' });
  const rule = parse(readFileSync(RULE_FILE, 'utf8')) as {
    spec: { groups: { rules: { alert: string }[] }[] };
  };
  const alerts = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert));
  const dir = await mkdtemp(join(tmpdir(), 'paiflow-alerts-'));
  try {
    await writeFile(join(dir, 'rules.yaml'), stringify(rule.spec));
    await writeFile(
      join(dir, 'test.yaml'),
      stringify({
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: series,
            alert_rule_test: alerts.flatMap((alertname) =>
              ['5m', '30m'].map((eval_time) => ({ eval_time, alertname, exp_alerts: [] })),
            ),
          },
        ],
      }),
    );
    const result = await promtool(['test', 'rules', 'test.yaml'], dir);
    return result.code === 0 ? '' : result.output;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a branch not taken is no failure: the run succeeds, Skipped is Ready, no Warning, no alert, Healthy in Argo CD', async () => {
  await env.cluster.create(pipelineRunNode(env, 'branch-run', { pipelineRunId: 'flow-branch001', depth: 2 }));
  await env.cluster.create(
    pipelineRunNode(env, 'branch-else', { pipelineRunId: 'flow-branch001', nodeId: 'node-else' }),
  );
  await waitForResource(env, 'branch-run', (r) => r.status?.phase !== undefined, 'first observation');
  await waitForResource(env, 'branch-else', (r) => r.status?.phase !== undefined, 'first observation');

  env.paiflow.setTime(5 * 60_000);
  const run = await waitForResource(env, 'branch-run', (r) => r.status?.phase === 'Succeeded', 'Succeeded');
  expect(run.status?.progress).toBe('2/4, 2 skipped');
  expect(condition(run, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  expect(condition(run, 'Stalled')).toMatchObject({ status: 'False' });

  const skipped = await waitForResource(env, 'branch-else', (r) => r.status?.phase === 'Skipped', 'Skipped');
  expect(condition(skipped, 'Ready')).toMatchObject({ status: 'True', reason: 'Skipped' });
  expect(condition(skipped, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Skipped' });
  expect(condition(skipped, 'Stalled')).toMatchObject({ status: 'False', reason: 'Skipped' });
  expect(condition(skipped, 'Ready')?.message).toMatch(/was skipped by PAI.*its branch was not taken/);

  await waitFor(
    async () => (await eventsAbout(env, 'branch-else')).some((e) => e.reason === 'Skipped'),
    'the Skipped Event',
  );
  expect((await eventsAbout(env, 'branch-else')).find((e) => e.reason === 'Skipped')?.type).toBe('Normal');
  expect(await warnings('branch-run')).toEqual([]);
  expect(await warnings('branch-else')).toEqual([]);

  // kubectl wait treats both as done, and `get` shows no failure.
  const waited = await kubectl(
    env,
    'wait',
    '--for=condition=Ready',
    'prn/branch-run',
    'prn/branch-else',
    '-n',
    NAMESPACE,
    '--timeout=5s',
  );
  expect(waited).toMatchObject({ code: 0 });
  const table = await kubectl(env, 'get', 'prn', 'branch-run', 'branch-else', '-n', NAMESPACE);
  expect(table.code).toBe(0);
  expect(table.stdout).not.toMatch(/Failed|False/);

  const metrics = await registry.metrics();
  for (const status of ['Failed', 'Terminated']) {
    expect(metrics).toContain(
      `paiflow_node_completions_total{namespace="${NAMESPACE}",status="${status}"} 0`,
    );
    expect(metrics).toContain(`paiflow_resources_stalled{namespace="${NAMESPACE}",reason="${status}"} 0`);
  }
  expect(metrics).toContain(`paiflow_node_completions_total{namespace="${NAMESPACE}",status="Skipped"} 1`);

  if (promtoolFound.path !== undefined) expect(await alertsFiringOver(metrics)).toBe('');
  if (lua.path !== undefined) {
    expect(argoHealth(run)).toBe('Healthy');
    expect(argoHealth(skipped)).toBe('Healthy');
  }
});

test('a run terminated while queued, which never gets a root node, is finished within one interval', async () => {
  await env.cluster.create(pipelineRunNode(env, 'queued', { pipelineRunId: 'flow-queued001' }));
  const pending = await waitForResource(
    env,
    'queued',
    (r) => condition(r, 'Ready')?.reason === 'Pending',
    'Pending',
  );
  expect(pending.status?.phase).toBeUndefined();

  env.paiflow.setTime(9 * 60_000);
  const done = await waitForResource(
    env,
    'queued',
    (r) => r.status?.phase === 'Terminated',
    'Terminated',
    2000,
  );
  expect(condition(done, 'Ready')).toMatchObject({ status: 'False', reason: 'Terminated' });
  expect(condition(done, 'Stalled')).toMatchObject({ status: 'True', reason: 'Terminated' });
  expect(condition(done, 'Ready')?.message).toMatch(
    /^Pipeline run flow-queued001 ended Terminated at \S+ before it had a root node/,
  );
  expect(done.status?.nodeId).toBeUndefined();
  // Terminal: never asked again, while another resource is polled several times.
  const calls = env.paiflow.counts().byRun['flow-queued001'] ?? 0;
  await env.cluster.create(
    pipelineRunNode(env, 'ticker', { pipelineRunId: 'flow-sts000001', nodeId: 'node-long' }),
  );
  await waitForPolls(env, { runId: 'flow-sts000001', nodeId: 'node-long' }, 5);
  expect(env.paiflow.counts().byRun['flow-queued001'] ?? 0).toBe(calls);
});

test('type Physical: a 403 on the physical query keeps the logical status and says what is missing', async () => {
  await env.cluster.create(
    pipelineRunNode(env, 'physical', {
      pipelineRunId: 'flow-phys00001',
      nodeId: 'node-train',
      type: 'Physical',
    }),
  );
  const seen = await waitForResource(
    env,
    'physical',
    (r) => (r.status?.children?.length ?? 0) > 0,
    'physical children',
  );
  expect(seen.status?.children?.map((c) => c.nodeId)).toEqual(['worker-0']);

  env.paiflow.injectFault({ kind: 'forbidden', nodeType: 'Physical' });
  const r = await waitForResource(
    env,
    'physical',
    (r) => condition(r, 'Synced')?.reason === 'DetailMissing',
    'Synced=True/DetailMissing',
  );
  expect(r.status?.phase).toBe('Running');
  expect(condition(r, 'Synced')).toMatchObject({ status: 'True' });
  expect(condition(r, 'Synced')?.message).toMatch(/query for its physical nodes failed \(Forbidden\)/);
  expect(condition(r, 'Stalled')).toMatchObject({ status: 'False' });
  expect(condition(r, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
  // The physical nodes last observed stay.
  expect(r.status?.children?.map((c) => c.nodeId)).toEqual(['worker-0']);
  env.paiflow.clearFaults();
  await waitForResource(env, 'physical', (r) => condition(r, 'Synced')?.reason === 'Polled', 'recovered');
});

test('an expired STS token: the Secret renewed meanwhile is read again, and the resource never stalls', async () => {
  const applied = await kubectlWithInput(env, secret('sts-credentials', STS_OLD), 'apply', '-f', '-');
  expect(applied.code).toBe(0);
  await env.cluster.create(
    pipelineRunNode(env, 'sts', {
      pipelineRunId: 'flow-sts000001',
      nodeId: 'node-long',
      credentialsSecretRef: { name: 'sts-credentials' },
    }),
  );
  await waitForResource(env, 'sts', (r) => r.status?.phase === 'Running', 'Running');

  // A rotator renews the Secret; then the old token expires (the controller still holds it cached).
  expect((await kubectlWithInput(env, secret('sts-credentials', STS_NEW), 'apply', '-f', '-')).code).toBe(0);
  env.paiflow.expireSecurityToken(STS_OLD.accessKeyId);
  await waitFor(
    () => (env.paiflow.counts().byAccessKey[STS_NEW.accessKeyId] ?? 0) >= 2,
    'polls with the new key',
  );

  expect(env.paiflow.counts().byOutcome['InvalidSecurityToken.Expired']).toBeGreaterThanOrEqual(1);
  const r = await waitForResource(env, 'sts', (r) => condition(r, 'Synced')?.status === 'True', 'Synced');
  expect(condition(r, 'Stalled')).toMatchObject({ status: 'False' });
  expect(await warnings('sts')).toEqual([]);
});

test('an STS token still expired after re-reading the Secret stalls with a message naming the Secret', async () => {
  const stale = { ...STS_OLD };
  expect((await kubectlWithInput(env, secret('sts-stale', stale), 'apply', '-f', '-')).code).toBe(0);
  await env.cluster.create(
    pipelineRunNode(env, 'sts-stale', {
      pipelineRunId: 'flow-sts000001',
      nodeId: 'node-long',
      credentialsSecretRef: { name: 'sts-stale' },
    }),
  );
  const r = await waitForResource(
    env,
    'sts-stale',
    (r) => condition(r, 'Stalled')?.status === 'True',
    'Stalled',
  );
  expect(condition(r, 'Stalled')).toMatchObject({ reason: 'Unauthorized' });
  expect(condition(r, 'Ready')?.message).toContain(
    `Secret ${NAMESPACE}/sts-stale (key securityToken) has expired`,
  );
  expect(JSON.stringify(r.status)).not.toContain(stale.accessKeySecret);
  expect(JSON.stringify(r.status)).not.toContain(stale.securityToken);
});

test('a failed run names the node that failed and what PAI said, in Ready and in the Warning Event', async () => {
  await env.cluster.create(pipelineRunNode(env, 'fails', { pipelineRunId: 'flow-fails0001', depth: 2 }));
  await waitForResource(env, 'fails', (r) => r.status?.phase !== undefined, 'first observation');
  env.paiflow.setTime(10 * 60_000);
  const r = await waitForResource(env, 'fails', (r) => r.status?.phase === 'Failed', 'Failed');
  const message = condition(r, 'Ready')?.message ?? '';
  expect(message).toContain(
    'failed: node "transform" (node-transform) Failed: ERROR: OOMKilled: container exceeded 8Gi',
  );
  expect(message).not.toContain('load'); // skipped downstream: not a failure of its own
  expect(message).not.toContain('DLC_JOB_URL');
  expect(r.status?.progress).toBe('2/3, 1 skipped');
  const event = await waitFor(
    async () => (await eventsAbout(env, 'fails')).find((e) => e.reason === 'Failed'),
    'the Failed Event',
  );
  expect(event.type).toBe('Warning');
  expect(event.message).toContain('node "transform" (node-transform) Failed: ERROR: OOMKilled');
});
