import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import { PooledKubeConfig } from '../../src/kube/pooled-kube-config.ts';
import {
  kubectl,
  pipelineRunNode,
  startEnvironment,
  waitFor,
  waitForResource,
  type Environment,
} from '../support/environment.ts';

// The observer at scale, end to end against the real kube-apiserver (kube-sim where it is not built,
// outside CI): 500 resources tracking nodes (with children) of 125 runs, polled in batches
// (ListPipelineRunsStatus), with a detail call only when a batch saw a change.

const RUNS = 125;
const INTERVAL_MS = 1000;
const BATCH_SIZE = 100;
// Refreshes are drawn over a period from the first interval on (fullRefreshDelayMs): a period this
// long makes one in the 3-interval window unlikely beyond a millionth; the full-refresh test has an
// environment of its own.
const FULL_REFRESH_INTERVALS = 1_000_000_000;
const LATE_INTERVAL_MS = 200;
const LATE_FULL_REFRESH_INTERVALS = 15;
const runId = (i: number): string => `flow-b${String(i).padStart(3, '0')}`;
const STAGES = ['stage-a', 'stage-b', 'stage-c'] as const;

/** A run of three stages with two long-running steps each: every node keeps running. */
function run(id: string, extraStep = false): unknown {
  return {
    id,
    nodes: STAGES.map((stage) => ({
      id: stage,
      children: [
        { id: `${stage}-1`, duration: '10h' },
        { id: `${stage}-2`, duration: '10h' },
        ...(extraStep && stage === 'stage-b' ? [{ id: `${stage}-3`, duration: '10h' }] : []),
      ],
    })),
  };
}

const PRN = { apiVersion: 'paiflow.dev/v1alpha1', kind: 'PipelineRunNode' };

/** Every resource's phase as the server stores it (one list request). */
async function phases(env: Environment): Promise<Map<string, string | undefined>> {
  const all = (await env.cluster.list({ ...PRN, namespace: env.namespace })) as unknown as PipelineRunNode[];
  return new Map(all.map((r) => [r.metadata.name, r.status?.phase]));
}

async function allIn(
  env: Environment,
  names: readonly string[],
  phase: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    async () => {
      const now = await phases(env);
      return names.every((name) => now.get(name) === phase);
    },
    `all ${names.length} resources ${phase}`,
    timeoutMs,
  );
}

/** Creates `objects` as the admin, a few at a time. */
async function createAll(env: Environment, objects: readonly Record<string, unknown>[]): Promise<void> {
  const queue = [...objects];
  const worker = async (): Promise<void> => {
    for (let o = queue.shift(); o !== undefined; o = queue.shift()) await env.cluster.create(o);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** Four resources per run: the whole run (its root node) and each stage, all with their children. */
function resourcesOf(env: Environment, i: number): Record<string, unknown>[] {
  const id = runId(i);
  return [
    pipelineRunNode(env, `r${i}-run`, { pipelineRunId: id, depth: 2 }),
    ...STAGES.map((stage) =>
      pipelineRunNode(env, `r${i}-${stage}`, { pipelineRunId: id, nodeId: stage, depth: 2 }),
    ),
  ];
}

const namesOf = (i: number): string[] => [`r${i}-run`, ...STAGES.map((s) => `r${i}-${s}`)];

function operations(env: Environment): Record<string, number> {
  return env.paiflow.counts().byOperation;
}

function nodesAsked(env: Environment): number {
  return Object.values(env.paiflow.counts().byNode).reduce((a, b) => a + b, 0);
}

/**
 * Kubernetes writes (POST, PUT, PATCH: status writes and Events) the controller has made, from its
 * own request counter (rest_client_requests_total): the real server counts nothing for us.
 */
async function kubeWrites(registry: Registry): Promise<number> {
  const metric = await registry.getSingleMetric('rest_client_requests_total')?.get();
  return (metric?.values ?? [])
    .filter((v) => ['POST', 'PUT', 'PATCH'].includes(String(v.labels.method)))
    .reduce((total, v) => total + v.value, 0);
}

const child = (r: PipelineRunNode | undefined, nodeId: string): string | undefined =>
  r?.status?.children?.find((c) => c.nodeId === nodeId)?.status;

describe('500 resources of 125 runs', () => {
  let env: Environment;
  const registry = new Registry();

  beforeAll(async () => {
    env = await startEnvironment({
      runs: Array.from({ length: RUNS }, (_, i) => run(runId(i))),
      manager: {
        metrics: { registry, version: 'test', perObjectMetrics: false },
        defaultPollIntervalMs: INTERVAL_MS,
        minPollIntervalMs: 100,
        paiflowBatchSize: BATCH_SIZE,
        fullRefreshIntervals: FULL_REFRESH_INTERVALS,
        paiflowQps: 500,
        paiflowBurst: 100,
      },
    });
    env.paiflow.setTime(60_000); // every step Running
    const indexes = Array.from({ length: RUNS }, (_, i) => i);
    await createAll(
      env,
      indexes.flatMap((i) => resourcesOf(env, i)),
    );
    await allIn(env, indexes.flatMap(namesOf), 'Running', 90_000);
  }, 150_000);

  afterAll(async () => {
    await env.close();
  });

  test('steady state: ceil(batched nodes / batch size) + 2 calls per interval at most, no detail call, no write', async () => {
    // Let the last status writes of the warm-up reach the cache, and the round settle.
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_MS));
    env.paiflow.resetCounts();
    const writesBefore = await kubeWrites(registry);
    const perInterval: { calls: number; nodes: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const before = { calls: operations(env).ListPipelineRunsStatus ?? 0, nodes: nodesAsked(env) };
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
      perInterval.push({
        calls: (operations(env).ListPipelineRunsStatus ?? 0) - before.calls,
        nodes: nodesAsked(env) - before.nodes,
      });
    }
    for (const { calls, nodes } of perInterval) {
      expect(nodes).toBeGreaterThan(0);
      expect(calls).toBeLessThanOrEqual(Math.ceil(nodes / BATCH_SIZE) + 2);
    }
    // Every tracked node and unfinished child is asked about each interval: 10 distinct nodes a run.
    const total = perInterval.reduce((a, p) => a + p.nodes, 0);
    expect(total).toBeGreaterThanOrEqual(3 * RUNS * 10 * 0.8);
    // Every call answered (a failed batch would send its members to detail calls).
    expect(env.paiflow.counts().byOutcome).toEqual({ OK: expect.any(Number) });
    expect(operations(env).ListPipelineRunNodeStatus ?? 0).toBe(0);
    expect(operations(env).GetPipelineRun ?? 0).toBe(0);
    expect((await kubeWrites(registry)) - writesBefore).toBe(0);
  }, 30_000);

  test('the cache keeps what the controller reads, not managedFields', async () => {
    const stored = (await env.cluster.get({
      ...PRN,
      namespace: env.namespace,
      name: 'r0-run',
    })) as unknown as {
      metadata: Record<string, unknown>;
    };
    expect(stored.metadata.managedFields).toBeDefined();
    const cached = env.manager.informer.get(env.namespace, 'r0-run');
    expect(cached?.metadata).toEqual({
      name: 'r0-run',
      namespace: env.namespace,
      uid: stored.metadata.uid,
      generation: 1,
      resourceVersion: expect.any(String),
      creationTimestamp: expect.any(String),
    });
    expect(cached?.status?.phase).toBe('Running');
  });

  test('a child that changes while its tracked node stays Running reaches status within one interval + 1 s', async () => {
    const started = Date.now();
    env.paiflow.setNodeOutcome(runId(7), 'stage-a-1', 'succeed');
    const r = await waitForResource(
      env,
      'r7-stage-a',
      (res) => child(res, 'stage-a-1') === 'Succeeded',
      'child stage-a-1 Succeeded in status',
      10_000,
    );
    expect(Date.now() - started).toBeLessThanOrEqual(INTERVAL_MS + 1000);
    expect(r.status?.phase).toBe('Running');
    expect(r.status?.progress).toBe('1/2');
  });
});

describe('a step added to a run later', () => {
  let env: Environment;

  beforeAll(async () => {
    env = await startEnvironment({
      runs: [],
      manager: { minPollIntervalMs: 100, fullRefreshIntervals: LATE_FULL_REFRESH_INTERVALS },
    });
  });

  afterAll(async () => {
    await env.close();
  });

  test('a child added to the run later appears by the next full refresh', async () => {
    // A run created now is Initialized throughout and, on the manual clock, stays so: only the
    // full refresh can find a step added to it, since no batched node ever changes.
    env.paiflow.putRuns(run('flow-late'));
    await env.cluster.create(
      pipelineRunNode(env, 'late', {
        pipelineRunId: 'flow-late',
        nodeId: 'stage-b',
        depth: 2,
        pollInterval: `${LATE_INTERVAL_MS}ms`,
      }),
    );
    await waitForResource(env, 'late', (r) => r.status?.childrenTotal === 2, 'two children', 10_000);
    const replaced = Date.now();
    env.paiflow.putRuns(run('flow-late', true));
    const r = await waitForResource(
      env,
      'late',
      (res) => child(res, 'stage-b-3') !== undefined,
      'the added child in status',
      LATE_FULL_REFRESH_INTERVALS * LATE_INTERVAL_MS * 1.5 + 10_000,
    );
    // A full refresh comes at most 1.5 periods after the previous detail call (fullRefreshDelayMs).
    expect(Date.now() - replaced).toBeLessThanOrEqual(
      LATE_FULL_REFRESH_INTERVALS * LATE_INTERVAL_MS * 1.5 + 2000,
    );
    expect(r.status?.childrenTotal).toBe(3);
  }, 40_000);
});

describe('user work while 2,000 resources are due', () => {
  const DUE = 2000;
  let env: Environment;

  beforeAll(async () => {
    env = await startEnvironment({
      runs: [run('flow-due')],
      manager: { defaultPollIntervalMs: 60_000, minPollIntervalMs: 500 },
    });
    env.paiflow.setTime(60_000);
    // As after a restart: 2,000 resources whose status answers their spec, so their first polls are
    // routine, and a PAIFlow budget that needs over a minute for them.
    await env.manager.stop(1000);
    const admin = new KubeConfig();
    admin.loadFromFile(env.kubeconfigPath);
    // One pooled connection for the 4,000 requests (client-node alone opens one per request).
    const pooled = new PooledKubeConfig({ source: admin });
    const custom = pooled.makeApiClient(CustomObjectsApi);
    const at = {
      group: 'paiflow.dev',
      version: 'v1alpha1',
      namespace: env.namespace,
      plural: 'pipelinerunnodes',
    };
    const queue = Array.from({ length: DUE }, (_, i) => i);
    const worker = async (): Promise<void> => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const body = pipelineRunNode(env, `due-${i}`, {
          pipelineRunId: 'flow-due',
          nodeId: 'stage-a',
          depth: 2,
        });
        const object = (await custom.createNamespacedCustomObject({ ...at, body })) as Record<
          string,
          unknown
        >;
        await custom.replaceNamespacedCustomObjectStatus({
          ...at,
          name: `due-${i}`,
          body: { ...object, status: { observedGeneration: 1, phase: 'Running' } },
        });
      }
    };
    try {
      await Promise.all(Array.from({ length: 32 }, worker));
    } finally {
      await pooled.close();
    }
    env.manager = await env.startController({
      paiflowQps: 20,
      paiflowBurst: 1,
      defaultPollIntervalMs: 60_000,
    });
  }, 240_000);

  afterAll(async () => {
    await env.close();
  });

  test('a new resource, a spec edit and a reconcile request each show in status within 2 s', async () => {
    await waitFor(() => env.manager.observer.stats().backlog > DUE / 2, "the restart's polls due", 20_000);
    const started = Date.now();
    const created = env.cluster.create(
      pipelineRunNode(env, 'new-one', { pipelineRunId: 'flow-due', nodeId: 'stage-b' }),
    );
    const [edited, annotated] = await Promise.all([
      kubectl(
        env,
        'patch',
        '-n',
        env.namespace,
        'prn/due-1500',
        '--type=merge',
        '-p',
        '{"spec":{"depth":1}}',
      ),
      kubectl(env, 'annotate', '-n', env.namespace, 'prn/due-1700', 'paiflow.dev/reconcile-requested-at=now'),
      created,
    ]);
    expect([edited.code, annotated.code]).toEqual([0, 0]);
    const issued = Date.now();
    const shownAt = await Promise.all(
      [
        waitForResource(
          env,
          'new-one',
          (r) => r.status?.phase === 'Running',
          'new resource observed',
          10_000,
        ),
        waitForResource(
          env,
          'due-1500',
          (r) => r.status?.observedGeneration === 2,
          'spec edit observed',
          10_000,
        ),
        waitForResource(
          env,
          'due-1700',
          (r) => r.status?.lastHandledReconcileAt === 'now',
          'request handled',
          10_000,
        ),
      ].map((wait) => wait.then(() => Date.now())),
    );
    // kubectl takes its time to start, and a change exists once it returned: the 2 s count from
    // then (from the create request for the new resource).
    const delays = shownAt.map((at, i) => at - (i === 0 ? started : issued));
    console.log(`new resource, spec edit, reconcile request shown after ${delays.join(', ')} ms`);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(2000);
    // Still far from done with the routine polls: the user's work went ahead of them.
    expect(env.manager.observer.stats().backlog).toBeGreaterThan(DUE / 2);
  }, 30_000);
});

describe.each([
  { name: 'refuses the action', batchLimit: 0 },
  { name: 'takes 10 entries at most', batchLimit: 10 },
])('a simulator that $name', ({ batchLimit }) => {
  let env: Environment;

  beforeAll(async () => {
    env = await startEnvironment({
      runs: Array.from({ length: 10 }, (_, i) => run(runId(i))),
      paiflow: { batchLimit },
      manager: { defaultPollIntervalMs: 300, minPollIntervalMs: 100 },
    });
    env.paiflow.setTime(60_000);
  });

  afterAll(async () => {
    await env.close();
  });

  test('batches fall back (down to per-node calls) and every resource converges', async () => {
    const indexes = Array.from({ length: 10 }, (_, i) => i);
    await createAll(
      env,
      indexes.flatMap((i) => resourcesOf(env, i)),
    );
    const names = indexes.flatMap(namesOf);
    await allIn(env, names, 'Running', 20_000);
    const refusals = (): number => {
      const outcomes = env.paiflow.counts().byOutcome;
      return (outcomes['InvalidAction.NotFound'] ?? 0) + (outcomes.InvalidParameter ?? 0);
    };
    // Resources turn Running on their first (detail) call; the first batch comes a round later.
    await waitFor(() => refusals() > 0, 'the simulator refusing a batch');
    // Logged once per change of the batch size: at once to per-node calls for a service without the
    // action; 100, 50, 25, 12, 6 for one taking 10 entries. Resources turn Running on their first
    // (detail) call, so the last step down may come after that: wait for it, then for more polls.
    const steps = batchLimit === 0 ? 1 : 4;
    const logged = (): number => env.logLines.filter((line) => line.includes('PAIFlow refused')).length;
    await waitFor(() => logged() >= steps, `${steps} batch size changes logged`);
    const morePolls = async (): Promise<void> => {
      const polls = env.paiflow.counts().total;
      await waitFor(() => env.paiflow.counts().total > polls + 20, 'more polls');
    };
    await morePolls(); // batches sent at a size since lowered are answered meanwhile
    const refusedSettled = refusals();
    // Remembered for the endpoint: nothing is refused any more, nor logged.
    await morePolls();
    expect(refusals()).toBe(refusedSettled);
    expect(logged()).toBe(steps);
    // A change seen by whatever polling is left: every step finishes.
    env.paiflow.setTime(20 * 3_600_000);
    await allIn(env, names, 'Succeeded', 20_000);
  }, 60_000);
});
