import { Registry } from 'prom-client';
import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import { FakeClock } from '../../clock/fake-clock.ts';
import { createMetrics, type Metrics, type MetricsOptions } from './metrics.ts';

/**
 * Test support (not a test): a fresh registry with the controller's metrics on a FakeClock, and the
 * exposition lines of one family, so tests assert the text Prometheus scrapes.
 */
export interface TestMetrics {
  registry: Registry;
  metrics: Metrics;
  clock: FakeClock;
  /** What `resources()` returns; tests replace it. */
  cache: { objects: PipelineRunNode[] };
}

export function newMetrics(overrides: Partial<MetricsOptions> = {}): TestMetrics {
  const registry = new Registry();
  const clock = new FakeClock({ now: Date.parse('2026-01-01T00:00:00Z') });
  const cache: TestMetrics['cache'] = { objects: [] };
  const metrics = createMetrics(registry, {
    version: '1.2.3',
    maxConcurrentReconciles: 4,
    clock,
    resources: () => cache.objects,
    defaultPollIntervalMs: 30_000,
    minPollIntervalMs: 5_000,
    ...overrides,
  });
  return { registry, metrics, clock, cache };
}

/**
 * The sample lines of the family `name` (no HELP/TYPE), optionally only those containing every
 * string of `filter` (e.g. `le="+Inf"` or `_count`); [] when the family is not registered.
 */
export async function family(registry: Registry, name: string, ...filter: string[]): Promise<string[]> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return [];
  const text = await registry.getSingleMetricAsString(name);
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .filter((line) => filter.every((part) => line.includes(part)));
}

/** A PipelineRunNode in `namespace` with the given status. */
export function resource(
  namespace: string,
  name: string,
  status: PipelineRunNode['status'],
  extra: { spec?: Partial<PipelineRunNode['spec']>; creationTimestamp?: string } = {},
): PipelineRunNode {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: {
      namespace,
      name,
      ...(extra.creationTimestamp !== undefined && { creationTimestamp: extra.creationTimestamp }),
    },
    spec: { pipelineRunId: 'flow-1', ...extra.spec },
    ...(status !== undefined && { status }),
  };
}
