import { RECONCILE_ANNOTATION } from '../../src/api/v1alpha1.ts';
import type { ShardingOptions } from '../../src/app/shard-ring.ts';
import { rendezvousOwner } from '../../src/controller/sharding/index.ts';
import {
  kubectl,
  pipelineRunNode,
  startKubeSimEnvironment,
  waitFor,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// Two sharded Managers in one process on kube-sim (which can delay one status write). Replica A,
// alone in the ring, is stopping gracefully with a status write still in flight when replica B joins
// and wins the resource. A's ring still runs (it stops after the work), so it drops the resource for
// B: the drop must wait for the stopping work's reconcile, else B would poll and write while A's
// write is still landing. B's first PAIFlow call must come after A's write has landed.

const RUN = 'flow-handover';
const NAME = 'handover';
const WRITE_DELAY_MS = 2000;
const PRN = { group: 'paiflow.dev', resource: 'pipelinerunnodes' };

const ring = (identity: string): ShardingOptions => ({
  namespace: 'default',
  ring: 'handover',
  identity,
  leaseDurationMs: 1500,
  renewDeadlineMs: 1000,
  retryPeriodMs: 200,
});

let env: KubeSimEnvironment;

beforeAll(async () => {
  env = await startKubeSimEnvironment({
    runs: [{ id: RUN, nodes: [{ id: 'node-1', duration: '1h' }] }],
    manager: { sharding: ring('replica-a') },
  });
  env.paiflow.setTime(60_000);
});

afterAll(async () => {
  await env.close();
});

test('a replica stopping with a write in flight hands a resource over only once the write has landed', async () => {
  // B's identity: one that wins the run against A.
  const b = ['replica-b0', 'replica-b1', 'replica-b2', 'replica-b3', 'replica-b4'].find(
    (id) => rendezvousOwner(RUN, ['replica-a', id]) === id,
  )!;
  env.kube.create(pipelineRunNode(env, NAME, { pipelineRunId: RUN, nodeId: 'node-1' }));
  await waitForResource(env, NAME, (r) => r.status?.phase === 'Running', 'phase Running (A alone)');

  const writes = (): number => env.kube.counters.count({ ...PRN, verb: 'patch', subresource: 'status' });
  const before = writes();
  env.kube.faults.addLatency({ ms: WRITE_DELAY_MS, ...PRN, subresource: 'status', name: NAME });
  expect(
    await kubectl(env, 'annotate', '-n', env.namespace, `prn/${NAME}`, `${RECONCILE_ANNOTATION}=now`),
  ).toMatchObject({ code: 0 });
  const sentAt = await waitFor(() => writes() > before && Date.now(), "A's status write to be sent");

  const stopping = env.manager.stop(10_000);
  const landed = waitForResource(
    env,
    NAME,
    (r) => r.status?.lastHandledReconcileAt === 'now',
    'the write to land',
    10_000,
  ).then(() => Date.now());
  const calls = (): number => env.paiflow.counts().byRun[RUN] ?? 0;
  const callsBefore = calls();
  await env.startController({ sharding: ring(b) });
  const firstCallByB = await waitFor(
    () => calls() > callsBefore && Date.now(),
    "B's first PAIFlow call",
    10_000,
  );
  const landedAt = await landed;
  await stopping;
  console.log(
    `handover while stopping: A's write sent, delayed ${WRITE_DELAY_MS} ms, seen landed ${landedAt - sentAt} ms after;` +
      ` B's first PAIFlow call ${firstCallByB - sentAt} ms after it was sent`,
  );
  // Seen landed later than it did (polled), so the bound is the delay itself.
  expect(firstCallByB - sentAt).toBeGreaterThanOrEqual(WRITE_DELAY_MS);
});
