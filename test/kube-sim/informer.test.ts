import { CustomObjectsApi, KubeConfig, ListWatch, Watch } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { pipelineRunNodeCrd, prn, waitFor } from './helpers.ts';

/**
 * @kubernetes/client-node's informer against kube-sim: list then watch, re-watch after the server
 * ends the watch, relist after 410 (compacted history), resume from bookmarks. Across all of it
 * the informer's cache must equal the server's state and no change may be seen twice or missed.
 */

const group = 'paiflow.dev';
const version = 'v1alpha1';
const plural = 'pipelinerunnodes';

interface Seen {
  verb: 'add' | 'update' | 'delete';
  name: string;
  rv: number;
}

describe('client-node informer against kube-sim', () => {
  let sim: KubeSim;
  let api: CustomObjectsApi;
  let kc: KubeConfig;

  beforeEach(async () => {
    sim = new KubeSim();
    sim.create(pipelineRunNodeCrd());
    await sim.listen({ host: '127.0.0.1', port: 0 });
    kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
    api = kc.makeApiClient(CustomObjectsApi);
  });

  afterEach(async () => {
    await sim.close();
  });

  it('sees every change exactly once through watch closes, a 410 relist and bookmarks', async () => {
    sim.create(prn('a'));
    sim.create(prn('b'));
    const listFn = async (): Promise<{ metadata: { resourceVersion: string }; items: KubernetesObject[] }> =>
      (await api.listNamespacedCustomObject({ group, version, namespace: 'default', plural })) as {
        metadata: { resourceVersion: string };
        items: KubernetesObject[];
      };
    // makeInformer's ListWatch, with its reconnect back-off (1 s doubling after a 410) not waited for.
    const informer = new ListWatch(
      `/apis/${group}/${version}/namespaces/default/${plural}?allowWatchBookmarks=true`,
      new Watch(kc),
      listFn,
      false,
      undefined,
      undefined,
      { delayFn: () => Promise.resolve() },
    );
    const seen: Seen[] = [];
    const record = (verb: Seen['verb']) => (obj: KubernetesObject) => {
      seen.push({ verb, name: obj.metadata?.name ?? '', rv: Number(obj.metadata?.resourceVersion) });
    };
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    let stopping = false;
    const errors: unknown[] = [];
    informer.on('error', (err) => {
      if (!stopping) errors.push(err);
    });
    const cacheMatchesServer = (): boolean => {
      const server = sim.list({
        apiVersion: `${group}/${version}`,
        kind: 'PipelineRunNode',
        namespace: 'default',
      });
      const cached = informer.list('default');
      const key = (o: KubernetesObject): string => `${o.metadata?.name}@${o.metadata?.resourceVersion}`;
      return (
        JSON.stringify(server.map((o) => key(o as KubernetesObject)).sort()) ===
        JSON.stringify(cached.map(key).sort())
      );
    };
    const patch = (name: string, phase: string) =>
      api.patchNamespacedCustomObject({
        group,
        version,
        namespace: 'default',
        plural,
        name,
        body: [{ op: 'add', path: '/metadata/labels', value: { phase } }],
      });

    await informer.start();
    await waitFor(() => sim.watchCount === 1, 'the first watch');
    expect(seen.map((s) => `${s.verb}:${s.name}`).sort()).toEqual(['add:a', 'add:b']);

    // Plain watch events.
    await patch('a', 'one');
    await waitFor(() => cacheMatchesServer(), 'the update through the watch');

    // The server ends the watch: the informer re-watches from its resourceVersion, no relist.
    const listsBefore = sim.counters.count({ verb: 'list', resource: plural });
    sim.closeWatches();
    await waitFor(() => sim.watchCount === 1, 're-watch after close');
    await api.createNamespacedCustomObject({ group, version, namespace: 'default', plural, body: prn('c') });
    await waitFor(() => cacheMatchesServer(), 'the create after the re-watch');
    expect(sim.counters.count({ verb: 'list', resource: plural })).toBe(listsBefore);

    // Changes while the informer is away, then the history is compacted past its resourceVersion:
    // the re-watch (held back by injected latency) gets 410 and relists; each change arrives once.
    sim.faults.addLatency({ verb: 'watch', resource: plural, ms: 1000 });
    sim.closeWatches();
    await api.deleteNamespacedCustomObject({ group, version, namespace: 'default', plural, name: 'b' });
    await patch('c', 'two');
    await api.createNamespacedCustomObject({ group, version, namespace: 'default', plural, body: prn('d') });
    sim.compact();
    sim.faults.clear();
    await waitFor(() => sim.watchCount === 1 && cacheMatchesServer(), 'the relist after 410');
    expect(sim.counters.count({ verb: 'list', resource: plural })).toBe(listsBefore + 1);

    // An injected 410 on the next watch has the same effect.
    sim.faults.add({ verb: 'watch', resource: plural, code: 410 });
    sim.closeWatches();
    await waitFor(
      () => sim.counters.count({ verb: 'list', resource: plural }) === listsBefore + 2,
      'the relist after the injected 410',
    );
    await waitFor(() => sim.watchCount === 1, 're-watch after the relist');

    // A bookmark moves the informer's resourceVersion forward: after another compaction the
    // re-watch starts from the bookmark and needs no relist.
    await patch('d', 'three');
    await waitFor(() => cacheMatchesServer(), 'the update before the bookmark');
    sim.sendBookmarks();
    await waitFor(() => informer.latestResourceVersion() === sim.resourceVersion, 'the bookmark');
    sim.compact();
    sim.closeWatches();
    await waitFor(() => sim.watchCount === 1, 're-watch from the bookmark');
    await patch('a', 'four');
    await waitFor(() => cacheMatchesServer(), 'the update after the bookmark');
    expect(sim.counters.count({ verb: 'list', resource: plural })).toBe(listsBefore + 2);

    stopping = true;
    await informer.stop();
    expect(errors).toEqual([]);
    // No duplicates, nothing out of order: per object, resourceVersions never go back and no
    // state is reported twice (a delete found by a relist carries the last cached state).
    const byName = new Map<string, Seen[]>();
    for (const s of seen) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    for (const [name, events] of byName) {
      const rvs = events.map((e) => e.rv);
      expect({ name, rvs }).toEqual({ name, rvs: [...rvs].sort((x, y) => x - y) });
      const states = events.map((e) => `${e.verb}@${e.rv}`);
      expect({ name, states }).toEqual({ name, states: [...new Set(states)] });
      expect(events[0]?.verb).toBe('add');
    }
    expect(byName.get('b')?.at(-1)?.verb).toBe('delete');
    expect(
      seen
        .filter((s) => s.verb === 'add')
        .map((s) => s.name)
        .sort(),
    ).toEqual(['a', 'b', 'c', 'd']);
  });
});
