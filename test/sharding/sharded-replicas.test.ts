import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import { PaiflowSimulator, validateScenario } from '../../src/sandbox/paiflow-sim/index.ts';
import { applyManifests, startKubeApiServerCluster, type Cluster } from '../support/cluster.ts';
import { permissions, SHARD_RING_MAY } from '../support/controller-permissions.ts';
import { describeWithKubeApiServer, START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import { ReconcileRequests } from '../support/reconcile-requests.ts';
import { accessKey, ControllerReplicas, loggedAt, type Replica } from '../support/replicas.ts';
import { waitFor } from '../support/wait.ts';
import { gauge, RingProbe } from './ring-probe.ts';

// The acceptance of sharding (docs/architecture.md, "Sharding"): real controller processes
// (`paiflow-controller run --sharding`) against the real kube-apiserver, as the controller's
// ServiceAccount bound to exactly deploy/sharding's Role (not the leader election one), and the
// PAIFlow simulator: 600 resources of 600 runs (the shard key is the run), all Running, polled every
// 3 s in batches of 100. Who polls is told by the simulator (one AccessKey per replica), who writes
// by each replica's loopback proxy (test/support/replicas.ts). From the second replica on, reconciles
// are requested round robin (up to 20 a second, each resource every 30 s at most; paused while PAIFlow
// calls are counted), so statuses are written during every handover. Durations are short: lease 3 s,
// renew deadline 2 s, retry period 0.3 s: the ring's takeover takes the lease duration plus a few
// retry periods and the first polls, which a poll interval as long as the lease leaves room for
// (production: lease 15 s, retry 2 s, interval 30 s).

const LEASE_MS = 3000;
const RENEW_MS = 2000;
const RETRY_MS = 300;
const INTERVAL_MS = 3000;
const BATCH_SIZE = 100;
const RESOURCES = 600;
const NAMESPACE = 'shards';
const RING = 'paiflow-controller';
const LEASE_NAMESPACE = 'paiflow-system';
// Long enough to hold several rounds of every replica; rounds are not aligned with it.
const WINDOW_INTERVALS = 3;
const TEST_TIMEOUT_MS = 60_000;
// Time for a process on this shared, loaded machine to act on a timer and log it (not a protocol figure).
const SLACK_MS = 500;
const FENCED = 'shard ring: member Lease not renewed within the renew deadline; dropped every resource';

const runId = (i: number): string => `flow-sh${String(i).padStart(6, '0')}`;
const nameOf = (i: number): string => `prn-${i}`;

let cluster: Cluster;
let sim: PaiflowSimulator;
let replicas: ControllerReplicas;
/** PAIFlow calls per interval of one replica owning all 600 resources, measured in the first test. */
let oneReplica: CallRates;
let ring: RingProbe;
/**
 * Up to 20 a second, round robin: each resource is requested at most every 30 s, many poll
 * intervals, so no two status writes of one resource within an interval answer two different
 * requests (statuses of Running nodes change only with a request). Paused while calls are counted.
 */
let requests: ReconcileRequests;

/**
 * Waits until every run of `runs` has been polled (by anyone) since now; when each first was, from
 * the earliest to the latest.
 */
async function pollsAgain(
  runs: readonly string[],
  what: string,
  timeoutMs: number,
): Promise<[number, number]> {
  const polled = sim.counts().byRun;
  const firstPoll = new Map<string, number>();
  await waitFor(
    () => {
      const now = sim.counts().byRun;
      for (const run of runs)
        if (!firstPoll.has(run) && (now[run] ?? 0) > (polled[run] ?? 0)) firstPoll.set(run, Date.now());
      return firstPoll.size === runs.length;
    },
    what,
    timeoutMs,
  );
  return [Math.min(...firstPoll.values()), Math.max(...firstPoll.values())];
}

const shares = (counts: Map<string, number>): string =>
  [...counts].map(([name, count]) => `${name}=${count}`).join(' ');

interface CallRates {
  /** Poll intervals the window lasted. */
  intervals: number;
  /** Batched calls (ListPipelineRunsStatus) per interval, all replicas. */
  batches: number;
  /** Detail calls per interval (full refreshes, a random per-resource schedule). */
  details: number;
  /** All calls per interval, by replica, for the log. */
  byReplica: string;
}

/** PAIFlow calls per poll interval over a window of WINDOW_INTERVALS, all replicas. */
async function callsPerInterval(): Promise<CallRates> {
  const before = sim.counts();
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_INTERVALS * INTERVAL_MS));
  const after = sim.counts();
  const intervals = (Date.now() - started) / INTERVAL_MS;
  const rate = (counts: (c: typeof after) => number | undefined): number =>
    ((counts(after) ?? 0) - (counts(before) ?? 0)) / intervals;
  const byReplica = replicas
    .live()
    .map((r) => `${r.name}=${rate((c) => c.byAccessKey[r.accessKeyId]).toFixed(2)}`)
    .join(' ');
  return {
    intervals,
    batches: rate((c) => c.byOperation.ListPipelineRunsStatus),
    details: rate((c) => c.byOperation.ListPipelineRunNodeStatus),
    byReplica,
  };
}

/**
 * Waits for an interval without a detail call: a resource new to a replica gets one, then joins the
 * batches, so from then on the calls counted are the steady ones.
 */
async function firstPollsOver(): Promise<void> {
  const details = (): number => sim.counts().byOperation.ListPipelineRunNodeStatus ?? 0;
  await waitFor(
    async () => {
      const before = details();
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
      return details() === before;
    },
    'the first polls of the resources taken up to end',
    20_000,
  );
}

async function resources(): Promise<PipelineRunNode[]> {
  const list = await cluster.list({
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    namespace: NAMESPACE,
  });
  return list as unknown as PipelineRunNode[];
}

describeWithKubeApiServer('sharded controller replicas on the real API server', () => {
  beforeAll(async () => {
    cluster = await startKubeApiServerCluster('cluster-wide', 'shard-ring');
    sim = new PaiflowSimulator({
      accessKeys: Array.from({ length: 8 }, (_, i) => accessKey(i)),
      scenario: validateScenario({
        settings: { readyToSchedule: '1s', starting: '1s' },
        runs: Array.from({ length: RESOURCES }, (_, r) => ({
          id: runId(r),
          nodes: [{ id: 'train', duration: '10h' }],
        })),
      }),
      clock: { kind: 'manual' },
    });
    const paiflowUrl = await sim.listen();
    sim.setTime(60_000); // every node Running
    await cluster.createNamespace(NAMESPACE);
    await applyManifests(
      cluster.kubeconfigPath,
      Array.from({ length: RESOURCES }, (_, i) => ({
        apiVersion: 'paiflow.dev/v1alpha1',
        kind: 'PipelineRunNode',
        metadata: { name: nameOf(i), namespace: NAMESPACE },
        spec: { endpoint: paiflowUrl, pipelineRunId: runId(i), nodeId: 'train' },
      })),
    );
    replicas = new ControllerReplicas({
      cluster,
      args: [
        '--sharding',
        `--leader-election-namespace=${LEASE_NAMESPACE}`,
        `--leader-election-lease-duration=${LEASE_MS}ms`,
        `--leader-election-renew-deadline=${RENEW_MS}ms`,
        `--leader-election-retry-period=${RETRY_MS}ms`,
        `--namespaces=${NAMESPACE}`,
        `--default-poll-interval=${INTERVAL_MS}ms`,
        '--min-poll-interval=1s',
        `--paiflow-batch-size=${BATCH_SIZE}`,
        // No full refresh (a detail call) within the test: the counted calls are the batched ones.
        '--full-refresh-intervals=10000',
        '--paiflow-qps=400',
        '--paiflow-burst=400',
        // A resource taken over gets a detail call first: 300 of them, 8 at once (the default share
        // of one identity), take over a second on this shared machine, a third of a 3 s interval (of
        // 30 s in production). The bound is about the ring, not about PAIFlow's concurrency.
        '--paiflow-max-concurrent=64',
        '--paiflow-max-concurrent-per-identity=64',
      ],
    });
    const admin = cluster.server!.admin;
    ring = new RingProbe({
      admin,
      namespace: LEASE_NAMESPACE,
      ring: RING,
      replicas,
      keys: Array.from({ length: RESOURCES }, (_, i) => runId(i)),
    });
    requests = new ReconcileRequests({
      admin,
      namespace: NAMESPACE,
      names: Array.from({ length: RESOURCES }, (_, i) => nameOf(i)),
    });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await requests.stop();
    await replicas.close();
    await sim.close();
    await cluster.close();
  }, TEST_TIMEOUT_MS);

  test(
    'the ServiceAccount has the shard ring Role for Leases, not the leader election one',
    async () => {
      const leases = (await permissions(cluster.controllerKubeConfig, LEASE_NAMESPACE)).filter((line) =>
        line.includes(' leases.'),
      );
      expect(leases).toEqual([...SHARD_RING_MAY].sort());
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'one replica owns all 600 resources: the PAIFlow calls per interval to compare with',
    async () => {
      await replicas.add();
      await waitFor(
        async () => (await resources()).filter((r) => r.status?.phase === 'Running').length === RESOURCES,
        'every resource Running',
        45_000,
      );
      expect(await ring.settled(1)).toEqual(new Map([['replica-0', RESOURCES]]));
      await firstPollsOver();
      oneReplica = await callsPerInterval();
      const perRound = Math.ceil(RESOURCES / BATCH_SIZE);
      console.log(
        `sharding, 1 replica: ${oneReplica.batches.toFixed(2)} batched + ${oneReplica.details.toFixed(2)} detail PAIFlow calls` +
          ` per ${INTERVAL_MS} ms interval for ${RESOURCES} resources over ${oneReplica.intervals.toFixed(2)} intervals` +
          ` (batch size ${BATCH_SIZE}: ${perRound} a round)`,
      );
      // Rounds are not aligned with the window: one more may fall in it.
      expect(oneReplica.batches * oneReplica.intervals).toBeLessThanOrEqual(
        perRound * (WINDOW_INTERVALS + 1),
      );
    },
    TEST_TIMEOUT_MS,
  );

  test(
    '3 replicas: each owns 200 +- 25 %, together no more PAIFlow calls per interval than one replica plus batch remainders',
    async () => {
      // Statuses written during the handover from one replica to three.
      requests.resume();
      await replicas.add();
      await replicas.add();
      const counts = await ring.settled(3);
      requests.pause(); // a request means a detail call: not part of the steady figure
      const math = ring.owners(await ring.members());
      for (const [name, count] of counts) {
        // The gauges agree with the ring's rendezvous hashing over the member Leases.
        expect({ name, count }).toEqual({ name, count: [...math.values()].filter((o) => o === name).length });
        expect(Math.abs(count - RESOURCES / 3)).toBeLessThanOrEqual(0.25 * (RESOURCES / 3));
      }
      for (const replica of replicas.live()) expect((await fetch(replica.readyz)).status).toBe(200);
      await firstPollsOver();
      const sharded = await callsPerInterval();
      // Each replica batches its own share: a round of all three makes sum(ceil(share / batch)) calls,
      // at most ceil(600 / batch) + (3 - 1): one partly filled batch more per replica beyond the first.
      const remainders = counts.size - 1;
      const perRound = [...counts.values()].reduce((sum, n) => sum + Math.ceil(n / BATCH_SIZE), 0);
      const bound = oneReplica.batches + remainders;
      console.log(
        `sharding, 3 replicas: owned ${shares(counts)}; ${sharded.batches.toFixed(2)} batched + ${sharded.details.toFixed(2)} detail PAIFlow calls per interval` +
          ` over ${sharded.intervals.toFixed(2)} intervals (all calls by replica: ${sharded.byReplica});` +
          ` bound: one replica measured ${oneReplica.batches.toFixed(2)} + ${remainders} batch remainders = ${bound.toFixed(2)};` +
          ` a round of the three, from their shares: ${perRound} (one replica: ${Math.ceil(RESOURCES / BATCH_SIZE)})`,
      );
      expect(perRound).toBeLessThanOrEqual(Math.ceil(RESOURCES / BATCH_SIZE) + remainders);
      // Rounds are not aligned with the window: each replica may fit one more round in it.
      expect(sharded.batches * sharded.intervals).toBeLessThanOrEqual(bound * sharded.intervals + perRound);
      requests.resume();
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'a 4th replica takes <= 35 % of the resources, only those it wins',
    async () => {
      const before = ring.owners(await ring.members());
      const fourth = await replicas.add();
      const counts = await ring.settled(4);
      const after = ring.owners(await ring.members());
      const moved = [...after].filter(([run, owner]) => before.get(run) !== owner);
      console.log(
        `sharding, a 4th replica: ${moved.length} of ${RESOURCES} resources moved (${((100 * moved.length) / RESOURCES).toFixed(1)} %); owned ${shares(counts)}`,
      );
      for (const [, owner] of moved) expect(owner).toBe(fourth.name);
      expect(counts.get(fourth.name)).toBe(moved.length);
      expect(moved.length / RESOURCES).toBeLessThanOrEqual(0.35);
      await waitFor(
        () => (sim.counts().byAccessKey[fourth.accessKeyId] ?? 0) > 0,
        'the 4th replica to poll',
        10_000,
      );
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'kill -9 of a replica: its resources are polled again within lease duration + one poll interval',
    async () => {
      const victim = replicas.live()[1]!;
      const runs = await ring.keysOf(victim);
      expect(runs.length).toBe(await gauge(victim, 'paiflow_shard_owned_resources'));
      const killed = await replicas.kill(victim);
      const [first, last] = await pollsAgain(
        runs,
        "the killed replica's resources to be polled again",
        LEASE_MS + INTERVAL_MS + 15_000,
      );
      const worst = last - killed;
      console.log(
        `sharding, kill -9 of ${victim.name}: its ${runs.length} resources polled again ${first - killed}-${worst} ms after the kill` +
          ` (bound: lease ${LEASE_MS} ms + interval ${INTERVAL_MS} ms = ${LEASE_MS + INTERVAL_MS} ms)`,
      );
      expect(worst).toBeLessThanOrEqual(LEASE_MS + INTERVAL_MS);
      const counts = await ring.settled(3);
      console.log(`sharding, after the kill: owned ${shares(counts)}`);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'SIGTERM of a replica: its work stops, then its Lease is deleted, it exits 0; the others take over at once',
    async () => {
      const leaving = replicas.live()[0]!;
      const identity = (await ring.members()).get(leaving.name)!;
      const runs = await ring.keysOf(leaving);
      const signalled = Date.now();
      leaving.child.kill('SIGTERM');
      expect(await leaving.exited).toBe(0);
      // Counted from its exit: calls it had in flight when signalled may land until then.
      const again = pollsAgain(
        runs,
        'the leaving replica’s resources to be polled again',
        LEASE_MS + INTERVAL_MS,
      );
      const stopped = loggedAt(leaving, 'reconcile work stopped', signalled - 1000)!;
      const left = leaving.log().find((l) => l.msg === 'shard ring: left' && l.time >= signalled - 1000);
      expect(left).toMatchObject({ leaseDeleted: true });
      expect(stopped).toBeLessThanOrEqual(left!.time);
      expect((await ring.members()).has(leaving.name)).toBe(false);
      const [, last] = await again;
      console.log(
        `sharding, SIGTERM of ${leaving.name} (${identity}): work stopped ${stopped - signalled} ms and Lease deleted ${left!.time - signalled} ms after the signal;` +
          ` its ${runs.length} resources polled again by ${last - signalled} ms`,
      );
      await ring.settled(2);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'a replica cut off from the API server fences itself at the renew deadline and stops polling; the other takes over; it stays ready',
    async () => {
      const [survivor, cut] = replicas.live() as [Replica, Replica];
      const runs = await ring.keysOf(cut);
      const calls = (): number => sim.counts().byAccessKey[cut.accessKeyId] ?? 0;
      // The fence counts from the sending of the last renewal that succeeded.
      const renewals = cut.proxy.requests.filter(
        (r) => r.method === 'PUT' && r.path.includes('/leases/') && r.status === 200,
      );
      const lastRenewal = renewals.at(-1)!.at;
      cut.proxy.cut();
      const cutAt = Date.now();
      const fenced = await waitFor(
        () => loggedAt(cut, FENCED, cutAt - RENEW_MS),
        'the cut replica to fence itself',
        RENEW_MS + 5000,
      );
      const callsWhenFenced = calls();
      const [, worst] = await pollsAgain(
        runs,
        "the cut replica's resources to be polled by the other",
        LEASE_MS + INTERVAL_MS + 15_000,
      );
      console.log(
        `sharding, API cut of ${cut.name}: fenced ${fenced - lastRenewal} ms after its last successful renewal request (renew deadline ${RENEW_MS} ms),` +
          ` ${calls() - callsWhenFenced} PAIFlow calls after that; its ${runs.length} resources polled by ${survivor.name}` +
          ` ${worst - lastRenewal} ms after that last renewal (lease ${LEASE_MS} ms + interval ${INTERVAL_MS} ms = ${LEASE_MS + INTERVAL_MS} ms)`,
      );
      expect(fenced - lastRenewal).toBeLessThanOrEqual(RENEW_MS + SLACK_MS);
      expect(worst - lastRenewal).toBeLessThanOrEqual(LEASE_MS + INTERVAL_MS);
      expect(calls()).toBe(callsWhenFenced);
      // Readiness never depends on the ring: fenced, owning nothing, it is still a ready replica.
      expect((await fetch(cut.readyz)).status).toBe(200);
      expect(await ring.settled(1, [cut])).toEqual(new Map([[survivor.name, RESOURCES]]));
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'over the whole test no resource had its status written by two replicas within one poll interval',
    async () => {
      await requests.stop();
      expect({ refused: requests.refused }).toEqual({ refused: undefined });
      // Writes as each replica's proxy saw them (attempts, whatever the answer), by resource and by
      // poll interval counted from the first write: the writers of each (resource, interval).
      const writes = replicas.all.flatMap((replica) =>
        replicas.acceptedStatusWrites(replica).map((write) => ({ ...write, replica: replica.name })),
      );
      const origin = Math.min(...writes.map((w) => w.at));
      const writers = new Map<string, Set<string>>();
      const byResource = new Map<string, Set<string>>();
      for (const write of writes) {
        const slot = `${write.name}@${Math.floor((write.at - origin) / INTERVAL_MS)}`;
        writers.set(slot, (writers.get(slot) ?? new Set()).add(write.replica));
        byResource.set(write.name, (byResource.get(write.name) ?? new Set()).add(write.replica));
      }
      // The closest two writes of one resource by two replicas, for the record.
      let closest = Infinity;
      const sorted = [...writes].sort((a, b) => a.at - b.at);
      const last = new Map<string, { replica: string; at: number }>();
      for (const write of sorted) {
        const previous = last.get(write.name);
        if (previous !== undefined && previous.replica !== write.replica)
          closest = Math.min(closest, write.at - previous.at);
        last.set(write.name, write);
      }
      const doubled = [...writers]
        .filter(([, set]) => set.size > 1)
        .map(([slot, set]) => `${slot}: ${[...set].join(',')}`);
      const handedOver = [...byResource.values()].filter((set) => set.size > 1).length;
      console.log(
        `sharding, ${requests.sent} reconcile requests; status writes: ${writes.length} by ${replicas.all.length} replicas, ${byResource.size} resources written,` +
          ` ${handedOver} of them by more than one replica over the test; ${writers.size} (resource, interval) pairs, ${doubled.length} with two writers;` +
          ` closest writes of one resource by two replicas ${closest} ms apart`,
      );
      expect(handedOver).toBeGreaterThan(0);
      expect(doubled).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
