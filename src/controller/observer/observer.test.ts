import { pino } from 'pino';
import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import { FakeClock } from '../../clock/fake-clock.ts';
import {
  PaiflowError,
  type CredentialsProvider,
  type ListPipelineRunsStatusRequest,
  type ListPipelineRunsStatusResult,
  type NodeStatus,
} from '../../paiflow/index.ts';
import type { PaiflowTarget } from '../paiflow-gateway/index.ts';
import type { DetailResult } from './detail-poll.ts';
import { Observer, type ObserverOptions } from './observer.ts';

// The observer on a FakeClock, with a scripted PAI behind fake detail and batch calls: which call is
// made when is decided by the schedule alone. Calls run in the observer's p-queues (promises), so a
// test lets them settle (`settle()`) after moving the clock.

const INTERVAL = 1000;
const credentials = { identity: 'accessKeyId:LTAI-test' } as unknown as CredentialsProvider;
const TARGET: PaiflowTarget = { endpoint: 'https://pai.example', credentials };

/** PAI as the fakes see it: node status by `run/node`, children by `run/node`. */
class FakePai {
  readonly status = new Map<string, string>();
  readonly children = new Map<string, string[]>();
  readonly detailCalls: { key: string; at: number; urgent: boolean }[] = [];
  readonly batchCalls: { nodes: number; at: number }[] = [];
  /** Throws for a batch instead of answering it; cleared once used when `once`. */
  batchError: { error: Error; once: boolean } | undefined;
  /** Nodes to leave out of batch answers, or report as deleted. */
  readonly leftOut = new Set<string>();
  readonly deleted = new Set<string>();

  readonly clock: FakeClock;

  constructor(clock: FakeClock) {
    this.clock = clock;
  }

  addRun(runId: string, stages: number, steps: number): void {
    const root = 'root';
    this.status.set(`${runId}/${root}`, 'Running');
    const stageIds = Array.from({ length: stages }, (_, s) => `stage-${s}`);
    this.children.set(`${runId}/${root}`, stageIds);
    for (const stage of stageIds) {
      this.status.set(`${runId}/${stage}`, 'Running');
      const stepIds = Array.from({ length: steps }, (_, k) => `${stage}-step-${k}`);
      this.children.set(`${runId}/${stage}`, stepIds);
      for (const step of stepIds) this.status.set(`${runId}/${step}`, 'Running');
    }
  }

  node(runId: string, nodeId: string): NodeStatus {
    return {
      nodeId,
      nodeName: nodeId,
      status: this.status.get(`${runId}/${nodeId}`) ?? 'Unknown',
      startedAt: '2026-01-01T00:00:00.000Z',
      runtimeInfo: { raw: '', parsed: undefined },
    };
  }

  readonly detail: ObserverOptions['detail'] = {
    poll: (resource, _nodeId, call) => {
      const { pipelineRunId: runId, nodeId = 'root' } = resource.spec;
      this.detailCalls.push({ key: resource.metadata.name, at: this.clock.now(), urgent: call.urgent });
      const nodes = [nodeId, ...(this.children.get(`${runId}/${nodeId}`) ?? [])].map((id) =>
        this.node(runId, id),
      );
      const result: DetailResult = {
        shown: true,
        resolved: { target: TARGET },
        outcome: { kind: 'observed', nodeId, nodes },
      };
      return Promise.resolve(result);
    },
  };

  readonly gateway: ObserverOptions['gateway'] = {
    listPipelineRunsStatus: (_target: PaiflowTarget, request: ListPipelineRunsStatusRequest) => {
      const asked = request.nodes ?? [];
      this.batchCalls.push({ nodes: asked.length, at: this.clock.now() });
      const failure = this.batchError;
      if (failure !== undefined) {
        if (failure.once) this.batchError = undefined;
        return Promise.reject(failure.error);
      }
      const result: ListPipelineRunsStatusResult = {
        pipelineRuns: [],
        nodes: asked
          .filter((n) => !this.leftOut.has(`${n.pipelineRunId}/${n.nodeId}`))
          .map((n) => ({
            ...this.node(n.pipelineRunId, n.nodeId),
            pipelineRunId: n.pipelineRunId,
            ...(this.deleted.has(n.pipelineRunId) && { isDeleted: true }),
          })),
      };
      return Promise.resolve(result);
    },
  };
}

function resource(name: string, runId: string, nodeId?: string): PipelineRunNode {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, generation: 1 },
    spec: { pipelineRunId: runId, ...(nodeId !== undefined && { nodeId }) },
  };
}

/** A seeded generator, so spreads are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface World {
  clock: FakeClock;
  pai: FakePai;
  observer: Observer;
  cache: Map<string, PipelineRunNode>;
  handed: { key: string; urgent: boolean }[];
  fallbacks: { from: number; to: number }[];
  /** Tracks `resources` (as the reconciler's first sync does). */
  track(...resources: PipelineRunNode[]): void;
  /** Moves the clock by `ms` in steps of `stepMs`, letting the calls each step starts settle. */
  run(ms: number, stepMs?: number): Promise<void>;
}

const worlds: World[] = [];

afterEach(async () => {
  for (const w of worlds.splice(0)) await w.observer.stop(0);
});

/**
 * Lets queued calls run and their answers be applied (promises only: the clock stands still), until
 * no call is queued or in flight.
 */
async function settle(observer: Observer): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (i >= 5 && observer.stats().backlog === 0) return;
  }
}

function world(options: Partial<ObserverOptions> = {}): World {
  const clock = new FakeClock({ now: 1_000_000 });
  const pai = new FakePai(clock);
  const cache = new Map<string, PipelineRunNode>();
  const handed: World['handed'] = [];
  const fallbacks: World['fallbacks'] = [];
  const observer = new Observer({
    cache: { get: (namespace, name) => cache.get(`${namespace}/${name}`) },
    gateway: pai.gateway,
    detail: pai.detail,
    clock,
    log: pino({ level: 'silent' }),
    defaultIntervalMs: INTERVAL,
    minIntervalMs: 100,
    stalledRetryMs: 60_000,
    batchSize: 100,
    // Refreshes drawn from the first interval on: far enough not to come in a test that does not ask.
    fullRefreshIntervals: 10_000_000,
    syncRefreshIntervalMs: 3_600_000,
    random: seeded(42),
    onObservation: (key, urgent) => handed.push({ key, urgent }),
    hooks: { fallback: (_endpoint, from, to) => fallbacks.push({ from, to }) },
    ...options,
  });
  observer.start();
  const w: World = {
    clock,
    pai,
    observer,
    cache,
    handed,
    fallbacks,
    track(...resources) {
      for (const r of resources) {
        cache.set(`ns/${r.metadata.name}`, r);
        observer.sync(r);
      }
    },
    async run(ms, stepMs = 50) {
      clock.runDue();
      await settle(observer);
      for (let t = 0; t < ms; t += stepMs) {
        clock.advance(Math.min(stepMs, ms - t));
        await settle(observer);
      }
    },
  };
  worlds.push(w);
  return w;
}

/** Four resources per run, as users track runs: the whole run and each of three stages. */
function trackRuns(w: World, runs: number): PipelineRunNode[] {
  const all: PipelineRunNode[] = [];
  for (let i = 0; i < runs; i++) {
    const runId = `flow-${i}`;
    w.pai.addRun(runId, 3, 2);
    all.push(
      resource(`r${i}-run`, runId),
      ...[0, 1, 2].map((s) => resource(`r${i}-s${s}`, runId, `stage-${s}`)),
    );
  }
  w.track(...all);
  return all;
}

/** A batch call's failure as the client reports it. */
function batchFailure(
  code: string,
  kind: PaiflowError['kind'],
  reason: PaiflowError['reason'],
  retryAfterMs?: number,
): PaiflowError {
  return new PaiflowError({
    message: `PAIFlow answered ${code}`,
    code,
    operation: 'ListPipelineRunsStatus',
    kind,
    reason,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  });
}

/** One run's four resources, polled once; then its batches fail with `error` (`once`, or always) for a round. */
async function oneRunFailingBatches(error: PaiflowError, once: boolean): Promise<World> {
  const w = world();
  trackRuns(w, 1);
  await w.run(0);
  w.pai.batchError = { error, once };
  await w.run(1.2 * INTERVAL);
  return w;
}

const detailsBetween = (w: World, from: number, to: number): number =>
  w.pai.detailCalls.filter((c) => c.at >= from && c.at < to).length;
const batchesBetween = (w: World, from: number, to: number) =>
  w.pai.batchCalls.filter((c) => c.at >= from && c.at < to);

describe('the schedule', () => {
  test('a detail call first, then one round per interval: full batches, each node once, no detail call', async () => {
    const w = world();
    trackRuns(w, 25); // 100 resources, 10 distinct nodes a run: 250 nodes
    await w.run(0);
    expect(w.pai.detailCalls).toHaveLength(100);
    expect(w.handed).toHaveLength(100);
    const start = w.clock.now();
    await w.run(5 * INTERVAL);
    // The round is due within an interval (jittered ±10%), then every interval: 4 or 5 rounds here.
    const batches = batchesBetween(w, start, w.clock.now());
    const rounds = new Set(batches.map((b) => b.at)).size;
    expect(rounds).toBeGreaterThanOrEqual(4);
    expect(rounds).toBeLessThanOrEqual(5);
    // Members of a run go side by side and their shared nodes once: 250 nodes in 3 calls a round.
    expect(batches).toHaveLength(3 * rounds);
    for (const at of new Set(batches.map((b) => b.at))) {
      const round = batches.filter((b) => b.at === at);
      expect(round.reduce((n, b) => n + b.nodes, 0)).toBe(250);
      expect(Math.max(...round.map((b) => b.nodes))).toBeLessThanOrEqual(100);
    }
    expect(w.pai.detailCalls).toHaveLength(100);
    expect(w.handed).toHaveLength(100); // nothing changed: nothing handed over
  });

  test('resources tracked at different times gather into the same round', async () => {
    const w = world();
    w.pai.addRun('flow-a', 1, 1);
    w.pai.addRun('flow-b', 1, 1);
    w.track(resource('a', 'flow-a'));
    await w.run(300);
    w.track(resource('b', 'flow-b'));
    await w.run(3 * INTERVAL);
    const times = new Set(w.pai.batchCalls.map((b) => b.at));
    // One call per round, holding both resources' nodes (2 + 2: tracked node and unfinished child).
    expect(w.pai.batchCalls.length).toBe(times.size);
    expect(w.pai.batchCalls.every((b) => b.nodes === 4)).toBe(true);
  });

  test('a child that changes while its tracked node runs: a detail call within the next round, handed over', async () => {
    const w = world();
    trackRuns(w, 2);
    await w.run(2 * INTERVAL);
    const handedBefore = w.handed.length;
    const changedAt = w.clock.now();
    w.pai.status.set('flow-1/stage-2-step-1', 'Succeeded');
    await w.run(1.2 * INTERVAL);
    const details = w.pai.detailCalls.filter((c) => c.at >= changedAt);
    // Only the resource whose known children include the step.
    expect(details.map((c) => c.key)).toEqual(['r1-s2']);
    expect(details[0]!.at - changedAt).toBeLessThanOrEqual(1.1 * INTERVAL);
    expect(w.handed.slice(handedBefore)).toEqual([{ key: 'ns/r1-s2', urgent: false }]);
    // The finished step is no longer batched: the stage's batch shrank by one node.
    const nodesAfter = batchesBetween(w, w.clock.now() - INTERVAL, w.clock.now()).reduce(
      (n, b) => n + b.nodes,
      0,
    );
    expect(nodesAfter).toBe(19);
  });

  test('a spec edit is a user-caused detail call at once, ahead of routine work', async () => {
    const w = world();
    const [first] = trackRuns(w, 1);
    await w.run(2 * INTERVAL);
    const edited = { ...first!, metadata: { ...first!.metadata, generation: 2 } };
    const at = w.clock.now();
    w.track(edited);
    await w.run(0);
    expect(w.pai.detailCalls.filter((c) => c.at >= at)).toEqual([{ key: 'r0-run', at, urgent: true }]);
    expect(w.observer.sync(edited)?.generation).toBe(2);
  });
});

describe('full refresh', () => {
  test('spread evenly over the period from the start: about N/K detail calls in every interval', async () => {
    const K = 10;
    const w = world({ fullRefreshIntervals: K });
    trackRuns(w, 250); // 1,000 resources, all first polled at once, as at start-up
    await w.run(0);
    const start = w.clock.now();
    const perInterval: number[] = [];
    for (let i = 0; i < 3 * K; i++) {
      const before = w.pai.detailCalls.length;
      await w.run(INTERVAL, 250);
      perInterval.push(w.pai.detailCalls.length - before);
    }
    // Close to N/K = 100 in every interval, the first ones included: no burst of N every period, as
    // refreshes drawn with the poll jitter alone would make, nor a quiet first period.
    // (The first interval may end before the first round.)
    const steady = perInterval.slice(1);
    expect(Math.min(...steady)).toBeGreaterThanOrEqual(0.6 * (1000 / K));
    expect(Math.max(...steady)).toBeLessThanOrEqual(1.5 * (1000 / K));
    const mean = steady.reduce((a, b) => a + b, 0) / steady.length;
    expect(mean).toBeGreaterThan(0.7 * (1000 / K));
    expect(mean).toBeLessThan(1.3 * (1000 / K));
    // Every resource refreshed within 1.5 periods of its previous detail call.
    const byKey = new Map<string, number[]>();
    for (const c of w.pai.detailCalls) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c.at]);
    for (const [, times] of byKey) {
      const all = [start, ...times.filter((t) => t > start), w.clock.now()];
      for (let i = 1; i < all.length; i++)
        expect(all[i]! - all[i - 1]!).toBeLessThanOrEqual(1.5 * K * INTERVAL + 1.2 * INTERVAL);
    }
  });

  test('a child added to the run later is found by the next full refresh', async () => {
    const K = 5;
    const w = world({ fullRefreshIntervals: K });
    w.pai.addRun('flow-late', 1, 1);
    w.track(resource('late', 'flow-late', 'stage-0'));
    await w.run(INTERVAL);
    w.pai.children.set('flow-late/stage-0', ['stage-0-step-0', 'stage-0-step-new']);
    w.pai.status.set('flow-late/stage-0-step-new', 'Running');
    const added = w.clock.now();
    await w.run(1.5 * K * INTERVAL + 1.2 * INTERVAL);
    const refreshed = w.pai.detailCalls.filter((c) => c.at > added);
    expect(refreshed.length).toBeGreaterThanOrEqual(1);
    // From then on the new child is batched too: 3 nodes a round.
    await w.run(1.2 * INTERVAL);
    expect(w.pai.batchCalls.at(-1)?.nodes).toBe(3);
  });
});

test('type Physical: refreshed every 10 intervals at most, since its children are not batched', async () => {
  const w = world({ fullRefreshIntervals: 1000 });
  w.pai.addRun('flow-p', 1, 1);
  const physical = resource('p', 'flow-p', 'stage-0');
  physical.spec.type = 'Physical';
  w.track(physical);
  await w.run(0);
  await w.run(40 * INTERVAL, 250);
  // One a resource at start, then at least one every 15 intervals (1.5 × 10), batches between them.
  expect(w.pai.detailCalls.length).toBeGreaterThanOrEqual(1 + 2);
  expect(w.pai.detailCalls.length).toBeLessThanOrEqual(1 + 40 / 5 + 1);
  expect(w.pai.batchCalls.every((b) => b.nodes === 1)).toBe(true);
});

describe('fallback and throttling', () => {
  test('a batch refused as too big halves the size, once per size, logged once each, and every resource converges', async () => {
    const w = world();
    trackRuns(w, 25); // 250 nodes
    await w.run(0);
    const limit = 30;
    const inner = w.pai.gateway.listPipelineRunsStatus.bind(w.pai.gateway);
    w.pai.gateway.listPipelineRunsStatus = (target, request, options) =>
      (request.nodes?.length ?? 0) > limit
        ? (w.pai.batchCalls.push({ nodes: request.nodes?.length ?? 0, at: w.clock.now() }),
          Promise.reject(batchFailure('InvalidParameter', 'permanent', 'InvalidParameter')))
        : inner(target, request, options);
    await w.run(3 * INTERVAL);
    expect(w.fallbacks).toEqual([
      { from: 100, to: 50 },
      { from: 50, to: 25 },
    ]);
    const last = batchesBetween(w, w.clock.now() - INTERVAL, w.clock.now());
    expect(last.length).toBeGreaterThan(0);
    expect(Math.max(...last.map((b) => b.nodes))).toBeLessThanOrEqual(25);
    expect(w.pai.detailCalls).toHaveLength(100); // refusals send nobody to detail calls
  });

  test('an endpoint without the batch action: per-node detail calls, one per resource and interval', async () => {
    const w = await oneRunFailingBatches(
      batchFailure('InvalidAction.NotFound', 'permanent', 'NotFound'),
      false,
    );
    expect(w.fallbacks).toEqual([{ from: 100, to: 0 }]);
    const batches = w.pai.batchCalls.length;
    const from = w.clock.now();
    await w.run(5 * INTERVAL);
    expect(w.pai.batchCalls.length).toBe(batches);
    const details = detailsBetween(w, from, w.clock.now());
    expect(details).toBeGreaterThanOrEqual(4 * 4);
    expect(details).toBeLessThanOrEqual(6 * 4);
  });

  test('a throttled batch is sent again as it was (the gateway paces it), sending nobody to detail calls', async () => {
    const w = await oneRunFailingBatches(
      batchFailure('Throttling.User', 'throttled', 'Throttled', 2000),
      true,
    );
    expect(w.pai.batchCalls.slice(0, 2).map((b) => b.nodes)).toEqual([10, 10]);
    expect(w.pai.detailCalls).toHaveLength(4);
    expect(w.handed).toHaveLength(4);
  });

  test('a batch failing otherwise: each member asks on its own after its failure backoff, not in a hot loop', async () => {
    const w = await oneRunFailingBatches(batchFailure('InternalError', 'transient', 'ServerError'), false);
    expect(w.pai.batchCalls).toHaveLength(1);
    const failedAt = w.pai.batchCalls[0]!.at;
    await w.run(10 * INTERVAL);
    // Detail calls answer (the fakes' detail path works), then the members rejoin a round, which fails
    // again: a handful of calls in 10 intervals, each after a backoff of at least a second.
    const after = w.pai.detailCalls.filter((c) => c.at > failedAt);
    expect(after.length).toBeGreaterThanOrEqual(4);
    expect(after.length).toBeLessThanOrEqual(4 * 11);
    expect(after[0]!.at - failedAt).toBeGreaterThanOrEqual(900);
  });
});

describe('entries PAI deletes or leaves out', () => {
  test('IsDeleted: the resource says NotFound and is asked again only after the stalled retry', async () => {
    const w = world();
    trackRuns(w, 1);
    await w.run(0);
    w.pai.deleted.add('flow-0');
    await w.run(1.2 * INTERVAL);
    const batches = w.pai.batchCalls.length;
    expect(
      w.handed
        .slice(4)
        .map((h) => h.key)
        .sort(),
    ).toEqual(['ns/r0-run', 'ns/r0-s0', 'ns/r0-s1', 'ns/r0-s2']);
    const observation = w.observer.sync(w.cache.get('ns/r0-run')!);
    expect(observation?.outcome).toMatchObject({ kind: 'failed', reason: 'NotFound', permanent: true });
    await w.run(30 * INTERVAL, 500);
    expect(w.pai.batchCalls.length).toBe(batches);
    expect(w.pai.detailCalls).toHaveLength(4);
    expect(w.observer.stats().maxAgeSeconds).toBe(0); // stalled: not "overdue"
  });

  test('left out of the answer: one detail call says why; no hot loop', async () => {
    const w = world();
    w.pai.addRun('flow-x', 1, 1);
    w.track(resource('x', 'flow-x', 'stage-0'));
    await w.run(0);
    w.pai.leftOut.add('flow-x/stage-0-step-0');
    await w.run(10 * INTERVAL);
    // Each round sees the entry missing and makes one detail call, which (in this PAI) still lists it:
    // one detail call per interval at most, never more.
    expect(w.pai.detailCalls.length).toBeLessThanOrEqual(1 + 11);
  });
});
