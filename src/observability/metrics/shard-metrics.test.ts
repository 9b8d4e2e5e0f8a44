import { Ownership, rendezvousOwner, viewOf } from '../../controller/sharding/index.ts';
import { family, newMetrics, resource } from './exposition.test-helper.ts';

const view = viewOf(['pod-a', 'pod-b', 'pod-c']);
const runs = Array.from({ length: 30 }, (_, i) => `flow-${i}`);
const mine = runs.filter((run) => rendezvousOwner(run, view.members) === 'pod-a');

test('without sharding there are no shard series, and counting handovers does nothing', async () => {
  const { registry, metrics } = newMetrics();
  metrics.handovers('in', 3);
  for (const name of [
    'paiflow_shard_ring_members',
    'paiflow_shard_owned_resources',
    'paiflow_shard_handovers_total',
  ]) {
    expect(await family(registry, name)).toEqual([]);
  }
});

test('with sharding: members, owned resources and settled from the ring at scrape time; handovers counted', async () => {
  let ownership = Ownership.none('pod-a', view);
  const { registry, metrics, cache } = newMetrics({ sharding: () => ownership });
  cache.objects = runs.map((run, i) =>
    resource('ml', `prn-${i}`, undefined, { spec: { pipelineRunId: run } }),
  );
  expect(await family(registry, 'paiflow_shard_ring_members')).toEqual(['paiflow_shard_ring_members 3']);
  expect(await family(registry, 'paiflow_shard_owned_resources')).toEqual([
    'paiflow_shard_owned_resources 0',
  ]);
  expect(await family(registry, 'paiflow_shard_settled')).toEqual(['paiflow_shard_settled 0']);
  expect(await family(registry, 'paiflow_shard_handovers_total')).toEqual([
    'paiflow_shard_handovers_total{direction="in"} 0',
    'paiflow_shard_handovers_total{direction="out"} 0',
  ]);

  ownership = new Ownership('pod-a', view, [view]);
  metrics.handovers('in', mine.length);
  expect(mine.length).toBeGreaterThan(0);
  expect(await family(registry, 'paiflow_shard_owned_resources')).toEqual([
    `paiflow_shard_owned_resources ${mine.length}`,
  ]);
  expect(await family(registry, 'paiflow_shard_settled')).toEqual(['paiflow_shard_settled 1']);
  expect(await family(registry, 'paiflow_shard_handovers_total', 'in')).toEqual([
    `paiflow_shard_handovers_total{direction="in"} ${mine.length}`,
  ]);
});
