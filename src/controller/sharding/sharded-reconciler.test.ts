import pino from 'pino';
import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import type { Reconciler, Result } from '../reconcile-result.ts';
import { Ownership } from './ownership.ts';
import { rendezvousOwner } from './rendezvous.ts';
import { ShardedReconciler } from './sharded-reconciler.ts';
import { viewOf } from './view.ts';

const ab = viewOf(['pod-a', 'pod-b']);
const abc = viewOf(['pod-a', 'pod-b', 'pod-c']);
const resources: PipelineRunNode[] = Array.from({ length: 40 }, (_, i) => ({
  apiVersion: 'paiflow.dev/v1alpha1',
  kind: 'PipelineRunNode',
  metadata: { namespace: 'ml', name: `prn-${i}`, uid: `uid-${i}` },
  spec: { pipelineRunId: `flow-${i % 20}` },
}));
const runOf = (key: string): string =>
  resources.find((r) => `ml/${r.metadata.name}` === key)!.spec.pipelineRunId;
const context = { signal: new AbortController().signal, log: pino({ enabled: false }) };

/** A reconciler whose reconciles end when the test says so. */
class ScriptedReconciler implements Reconciler {
  readonly started: string[] = [];
  readonly #pending = new Map<string, () => void>();

  reconcile(key: string): Promise<Result> {
    this.started.push(key);
    return new Promise((resolve) => this.#pending.set(key, () => resolve({})));
  }

  finish(key: string): void {
    this.#pending.get(key)?.();
    this.#pending.delete(key);
  }
}

function setUp(initial: Ownership) {
  let ownership = initial;
  const inner = new ScriptedReconciler();
  const forgotten: string[] = [];
  const enqueued: string[] = [];
  const handovers: [string, number][] = [];
  const sharded = new ShardedReconciler({
    reconciler: inner,
    cache: {
      get: (namespace, name) =>
        resources.find((r) => r.metadata.namespace === namespace && r.metadata.name === name),
      list: () => resources,
    },
    ownership: () => ownership,
    forget: (key) => forgotten.push(key),
    enqueue: (key) => enqueued.push(key),
    onHandover: (direction, n) => handovers.push([direction, n]),
  });
  const change = (next: Ownership): Promise<void> => {
    const previous = ownership;
    ownership = next;
    return sharded.apply(next, previous);
  };
  return { sharded, inner, forgotten, enqueued, handovers, change };
}

test('reconciles only the resources it owns; others are forgotten by the observer and left alone', () => {
  const { sharded, inner, forgotten } = setUp(new Ownership('pod-a', ab, [ab]));
  const owned = resources.filter((r) => rendezvousOwner(r.spec.pipelineRunId, ab.members) === 'pod-a');
  expect(owned.length).toBeGreaterThan(0);
  expect(owned.length).toBeLessThan(resources.length);
  for (const r of resources) void sharded.reconcile(`ml/${r.metadata.name}`, context);
  expect(inner.started.sort()).toEqual(owned.map((r) => `ml/${r.metadata.name}`).sort());
  expect(forgotten).toHaveLength(resources.length - owned.length);
  // A deleted resource goes to the reconciler, which forgets it.
  void sharded.reconcile('ml/gone', context);
  expect(inner.started).toContain('ml/gone');
});

test('dropping resources waits for their reconciles in flight; taking resources up enqueues them', async () => {
  const { sharded, inner, forgotten, enqueued, handovers, change } = setUp(new Ownership('pod-a', ab, [ab]));
  const mine = resources
    .map((r) => `ml/${r.metadata.name}`)
    .filter((key) => rendezvousOwner(runOf(key), ab.members) === 'pod-a');
  for (const key of mine) void sharded.reconcile(key, context);
  const leaving = mine.filter((key) => rendezvousOwner(runOf(key), abc.members) !== 'pod-a');
  expect(leaving.length).toBeGreaterThan(0);

  // pod-c joins: pod-a switches to hold both views, dropping what pod-c wins.
  let applied = false;
  const dropping = change(new Ownership('pod-a', abc, [ab, abc])).then(() => (applied = true));
  await new Promise((resolve) => setImmediate(resolve));
  expect(forgotten.sort()).toEqual([...leaving].sort());
  expect(applied).toBe(false); // a reconcile of a dropped resource is still running
  for (const key of leaving.slice(0, -1)) inner.finish(key);
  await new Promise((resolve) => setImmediate(resolve));
  expect(applied).toBe(false);
  inner.finish(leaving.at(-1)!);
  await dropping;
  expect(handovers).toEqual([['out', leaving.length]]);
  expect(enqueued).toEqual([]);

  // Settled on the new view: nothing new for pod-a (a newcomer only takes). Back to ab: pod-a takes its keys back.
  await change(new Ownership('pod-a', abc, [abc]));
  await change(new Ownership('pod-a', ab, [ab]));
  expect(enqueued.sort()).toEqual([...leaving].sort());
  expect(handovers.at(-1)).toEqual(['in', leaving.length]);
});
