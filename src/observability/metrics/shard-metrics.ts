import { Counter, Gauge, type Registry } from 'prom-client';
import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import { shardKey, type Ownership } from '../../controller/sharding/index.ts';

/** What the shard metrics read at scrape time. */
export interface ShardMetricsOptions {
  /** The ring's current ownership (ShardRing.ownership). */
  ownership: () => Ownership;
  /**
   * The cached PipelineRunNodes to count the owned ones of. The Manager passes the state gauges'
   * list, which it has already narrowed to the owned ones, so the filter here keeps them all.
   */
  resources: () => readonly PipelineRunNode[];
}

/** Counts resources handed over: `in` taken up by this replica, `out` dropped by it. */
export type HandoverRecorder = (direction: 'in' | 'out', resources: number) => void;

/**
 * Declares the sharding metrics (only with --sharding: without a ring they would say nothing true)
 * and returns what counts handovers. The gauges are computed from the ring and the cache at scrape time.
 */
export function registerShardMetrics(registry: Registry, options: ShardMetricsOptions): HandoverRecorder {
  const registers = [registry];
  new Gauge({
    name: 'paiflow_shard_ring_members',
    help: 'Live members of the shard ring as this replica sees it (itself included)',
    registers,
    collect() {
      this.set(options.ownership().applied.members.length);
    },
  });
  new Gauge({
    name: 'paiflow_shard_owned_resources',
    help: 'PipelineRunNodes this replica polls and writes status for',
    registers,
    collect() {
      const ownership = options.ownership();
      this.set(options.resources().filter((resource) => ownership.owns(shardKey(resource))).length);
    },
  });
  new Gauge({
    name: 'paiflow_shard_settled',
    help: 'Whether every live member applies the view this replica applies (0 while a handover waits)',
    registers,
    collect() {
      this.set(options.ownership().settled ? 1 : 0);
    },
  });
  const handovers = new Counter({
    name: 'paiflow_shard_handovers_total',
    help: 'PipelineRunNodes handed over: in, taken up by this replica; out, dropped by it',
    labelNames: ['direction'],
    registers,
  });
  for (const direction of ['in', 'out'] as const) handovers.inc({ direction }, 0);
  return (direction, resources) => {
    handovers.inc({ direction }, resources);
  };
}
