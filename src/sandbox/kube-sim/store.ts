import { expired } from './errors.ts';
import type { KubeObject } from './object-meta.ts';

/**
 * The object store: every object of every kind, one global monotonic resourceVersion (like an
 * etcd revision), and a bounded history of changes that watches replay from and that lists at an
 * older resourceVersion (continue tokens) are rebuilt from. Objects go in and come out as deep
 * copies, so nothing outside can change stored state.
 */

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change. `object` is the state after it (for DELETED: the last state, stamped with the new rv). */
export interface StoreEvent {
  type: StoreEventType;
  resourceVersion: number;
  bucket: string;
  key: string;
  object: KubeObject;
  /** The state before the change (absent for ADDED). */
  previous?: KubeObject;
}

export type StoreListener = (event: StoreEvent) => void;

export interface ObjectStoreOptions {
  /** How many changes (over all kinds) are kept for watches and consistent continues. */
  historyLimit: number;
}

/** `namespace/name`, or `/name` for cluster-scoped objects: sorts like etcd keys. */
export function storeKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function stampVersion(obj: KubeObject, rv: number): KubeObject {
  const copy = structuredClone(obj);
  const meta = (copy.metadata ?? {}) as Record<string, unknown>;
  meta.resourceVersion = String(rv);
  copy.metadata = meta;
  return copy;
}

function sortedValues(objects: Map<string, KubeObject>): KubeObject[] {
  return [...objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
}

export class ObjectStore {
  readonly #buckets = new Map<string, Map<string, KubeObject>>();
  readonly #history: StoreEvent[] = [];
  readonly #listeners = new Set<StoreListener>();
  readonly #historyLimit: number;
  #revision = 1;
  /** Changes at or below this revision are no longer in the history. */
  #compacted = 1;

  constructor(options: ObjectStoreOptions) {
    this.#historyLimit = options.historyLimit;
  }

  /** The latest resourceVersion handed out (what a list reports). */
  get revision(): number {
    return this.#revision;
  }

  /** The oldest resourceVersion a watch may still start from. */
  get compactedRevision(): number {
    return this.#compacted;
  }

  #bucket(bucket: string): Map<string, KubeObject> {
    let objects = this.#buckets.get(bucket);
    if (objects === undefined) {
      objects = new Map();
      this.#buckets.set(bucket, objects);
    }
    return objects;
  }

  get(bucket: string, key: string): KubeObject | undefined {
    const obj = this.#buckets.get(bucket)?.get(key);
    return obj === undefined ? undefined : structuredClone(obj);
  }

  /** Current objects of a bucket in key order, optionally of one namespace. */
  list(bucket: string, namespace?: string): KubeObject[] {
    const prefix = namespace === undefined ? '' : `${namespace}/`;
    const objects = new Map(
      [...(this.#buckets.get(bucket) ?? new Map<string, KubeObject>())].filter(([key]) =>
        key.startsWith(prefix),
      ),
    );
    return sortedValues(objects).map((o) => structuredClone(o));
  }

  /**
   * The bucket's objects as they were at `revision`, rebuilt by undoing later changes.
   * Throws 410 Expired when the history no longer reaches back that far.
   */
  listAt(bucket: string, revision: number, expiredMessage: string): KubeObject[] {
    if (revision >= this.#revision) return this.list(bucket);
    if (revision < this.#compacted) throw expired(expiredMessage);
    const state = new Map(this.#buckets.get(bucket) ?? []);
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const event = this.#history[i];
      if (event === undefined || event.resourceVersion <= revision) break;
      if (event.bucket !== bucket) continue;
      if (event.previous === undefined) state.delete(event.key);
      else state.set(event.key, event.previous);
    }
    return sortedValues(state).map((o) => structuredClone(o));
  }

  /** Changes of a bucket after `revision`, or undefined when they are no longer all kept. */
  eventsSince(bucket: string, revision: number): StoreEvent[] | undefined {
    if (revision < this.#compacted) return undefined;
    return this.#history
      .filter((e) => e.bucket === bucket && e.resourceVersion > revision)
      .map((e) => structuredClone(e));
  }

  /** Stores a new object (the caller checked it does not exist) and returns it with its rv. */
  create(bucket: string, key: string, obj: KubeObject): KubeObject {
    const stored = stampVersion(obj, ++this.#revision);
    this.#bucket(bucket).set(key, stored);
    this.#record({ type: 'ADDED', resourceVersion: this.#revision, bucket, key, object: stored });
    return structuredClone(stored);
  }

  /** Replaces an existing object and returns it with its new rv. */
  update(bucket: string, key: string, obj: KubeObject): KubeObject {
    const previous = this.#bucket(bucket).get(key);
    const stored = stampVersion(obj, ++this.#revision);
    this.#bucket(bucket).set(key, stored);
    this.#record({
      type: 'MODIFIED',
      resourceVersion: this.#revision,
      bucket,
      key,
      object: stored,
      ...(previous ? { previous } : {}),
    });
    return structuredClone(stored);
  }

  /** Removes an object; returns its last state stamped with the deletion's rv. */
  delete(bucket: string, key: string): KubeObject | undefined {
    const previous = this.#bucket(bucket).get(key);
    if (previous === undefined) return undefined;
    this.#bucket(bucket).delete(key);
    const last = stampVersion(previous, ++this.#revision);
    this.#record({ type: 'DELETED', resourceVersion: this.#revision, bucket, key, object: last, previous });
    return structuredClone(last);
  }

  /** Forgets every change so far: a watch or continue from before now gets 410. */
  compact(): void {
    this.#history.length = 0;
    this.#compacted = this.#revision;
  }

  /** Calls `listener` synchronously after every change; returns the unsubscribe function. */
  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #record(event: StoreEvent): void {
    this.#history.push(event);
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift();
      if (dropped !== undefined) this.#compacted = dropped.resourceVersion;
    }
    for (const listener of [...this.#listeners]) listener(structuredClone(event));
  }
}
