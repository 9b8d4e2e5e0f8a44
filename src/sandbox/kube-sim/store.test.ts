import { describe, expect, it } from '@jest/globals';
import { KubeError } from './errors.ts';
import type { StoreEvent } from './store.ts';
import { ObjectStore } from './store.ts';

const obj = (name: string, value: number) => ({ metadata: { name }, value });

describe('ObjectStore', () => {
  it('hands out one monotonic resourceVersion across buckets and notifies listeners', () => {
    const store = new ObjectStore({ historyLimit: 10 });
    const seen: StoreEvent[] = [];
    store.subscribe((e) => seen.push(e));
    const a = store.create('x', '/a', obj('a', 1));
    const b = store.create('y', '/b', obj('b', 1));
    expect(Number((b.metadata as { resourceVersion: string }).resourceVersion)).toBe(
      Number((a.metadata as { resourceVersion: string }).resourceVersion) + 1,
    );
    store.update('x', '/a', obj('a', 2));
    store.delete('x', '/a');
    expect(seen.map((e) => `${e.type}:${e.bucket}${e.key}`)).toEqual([
      'ADDED:x/a',
      'ADDED:y/b',
      'MODIFIED:x/a',
      'DELETED:x/a',
    ]);
  });

  it('rebuilds an older state from its history and refuses what was compacted', () => {
    const store = new ObjectStore({ historyLimit: 10 });
    store.create('x', '/a', obj('a', 1));
    const at = store.revision;
    store.update('x', '/a', obj('a', 2));
    store.create('x', '/b', obj('b', 1));
    expect(store.listAt('x', at, 'too old').map((o) => o.value)).toEqual([1]);
    expect(store.eventsSince('x', at)?.map((e) => e.type)).toEqual(['MODIFIED', 'ADDED']);
    store.compact();
    expect(store.eventsSince('x', at)).toBeUndefined();
    expect(() => store.listAt('x', at, 'too old')).toThrow(KubeError);
  });

  it('forgets the oldest changes beyond its history limit', () => {
    const store = new ObjectStore({ historyLimit: 2 });
    const start = store.revision;
    for (let i = 0; i < 4; i++) store.create('x', `/o${i}`, obj(`o${i}`, i));
    expect(store.eventsSince('x', start)).toBeUndefined();
    expect(store.eventsSince('x', store.revision - 2)?.length).toBe(2);
  });
});
