import { deepEqual } from './schema/json.ts';
import type { FieldPath, FieldSet } from './field-set.ts';
import {
  compare,
  describePath,
  difference,
  fromFieldsV1,
  intersection,
  keyedItems,
  parsePathKey,
  setItemKey,
  itemKey,
  toFieldSet,
  toFieldsV1,
  union,
  withoutOwnedDescendants,
  withoutPrefixes,
} from './field-set.ts';
import type { KubeObject } from './object-meta.ts';
import { isRecord, metadataOf } from './object-meta.ts';
import type { SchemaNode } from './structural-schema.ts';
import { childNode, resolveNode } from './structural-schema.ts';

/**
 * Field ownership (`metadata.managedFields`) and server-side apply, following
 * structured-merge-diff: an Update takes ownership of what it changed; an Apply owns exactly what
 * it sent, conflicts with other owners of the values it changes (unless forced) and removes what
 * it applied before and no longer applies, when nobody else owns it.
 */

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time: string;
  set: FieldSet;
}

/** Who writes, with what, through which endpoint. */
export interface Writer {
  manager: string;
  apiVersion: string;
  /** '' for the main resource, 'status' for /status. */
  subresource: string;
  now: string;
}

/** Server-owned metadata that nobody owns (structured-merge-diff's stripped fields). */
const strippedPaths: FieldPath[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
  ['f:metadata', 'f:deletionTimestamp'],
  ['f:metadata', 'f:deletionGracePeriodSeconds'],
];

function strip(set: FieldSet): FieldSet {
  return withoutPrefixes(set, strippedPaths);
}

function sameOwner(a: Owner, b: Omit<Owner, 'time' | 'set'>): boolean {
  return (
    a.manager === b.manager &&
    a.operation === b.operation &&
    a.subresource === b.subresource &&
    (a.operation === 'Apply' || a.apiVersion === b.apiVersion)
  );
}

/** Reads `metadata.managedFields`; undecodable entries are ignored as the real server ignores them. */
function decode(entries: unknown): Owner[] {
  if (!Array.isArray(entries)) return [];
  return entries.filter(isRecord).flatMap((e) => {
    if (typeof e.manager !== 'string' || (e.operation !== 'Apply' && e.operation !== 'Update')) return [];
    return [
      {
        manager: e.manager,
        operation: e.operation,
        apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
        subresource: typeof e.subresource === 'string' ? e.subresource : '',
        time: typeof e.time === 'string' ? e.time : '',
        set: fromFieldsV1(e.fieldsV1),
      },
    ];
  });
}

function encode(owners: Owner[]): ManagedFieldsEntry[] {
  return owners
    .filter((o) => o.set.size > 0)
    .sort(
      (a, b) =>
        a.operation.localeCompare(b.operation) ||
        a.time.localeCompare(b.time) ||
        a.manager.localeCompare(b.manager) ||
        a.apiVersion.localeCompare(b.apiVersion),
    )
    .map((o) => ({
      manager: o.manager,
      operation: o.operation,
      apiVersion: o.apiVersion,
      time: o.time,
      fieldsType: 'FieldsV1' as const,
      fieldsV1: toFieldsV1(o.set),
      ...(o.subresource === '' ? {} : { subresource: o.subresource }),
    }));
}

/**
 * The managed state an update starts from: the request's own managedFields when it sends some on
 * the main resource (clients may rewrite ownership), otherwise the live object's.
 */
function startingOwners(live: KubeObject | undefined, incoming: KubeObject, subresource: string): Owner[] {
  const requested = decode(metadataOf(incoming).managedFields);
  if (requested.length > 0 && subresource === '') return requested;
  return live === undefined ? [] : decode(metadataOf(live).managedFields);
}

/** Records an Update (create, update or non-apply patch) by `writer` in `updated.metadata.managedFields`. */
export function trackUpdate(
  node: SchemaNode,
  live: KubeObject | undefined,
  updated: KubeObject,
  writer: Writer,
): void {
  const owners = startingOwners(live, updated, writer.subresource);
  const diff = compare(node, withoutManaged(live ?? {}), withoutManaged(updated));
  const changed = strip(union(diff.added, diff.modified));
  const removed = strip(diff.removed);
  const self = {
    manager: writer.manager,
    operation: 'Update' as const,
    apiVersion: writer.apiVersion,
    subresource: writer.subresource,
  };
  for (const owner of owners) owner.set = difference(owner.set, changed);
  const taken = difference(changed, removed);
  if (taken.size > 0) {
    const existing = owners.find((o) => sameOwner(o, self));
    if (existing === undefined) owners.push({ ...self, time: writer.now, set: taken });
    else Object.assign(existing, { set: union(existing.set, taken), time: writer.now });
  }
  metadataOf(updated).managedFields = encode(owners);
}

function withoutManaged(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete metadataOf(copy).managedFields;
  return copy;
}

/** Merges an applied configuration into a live value (structured-merge-diff `Merge`). */
function merge(node: SchemaNode, live: unknown, applied: unknown): unknown {
  const resolved = resolveNode(node, applied);
  switch (resolved.kind) {
    case 'struct':
    case 'map': {
      if (!isRecord(applied)) return structuredClone(applied);
      const out: Record<string, unknown> = isRecord(live) ? structuredClone(live) : {};
      for (const [key, value] of Object.entries(applied)) {
        if (value === null) Reflect.deleteProperty(out, key);
        else out[key] = merge(childNode(resolved, key).node, out[key], value);
      }
      return out;
    }
    case 'mapList': {
      const items = keyedItems(resolved.keys, live);
      for (const [key, item] of keyedItems(resolved.keys, applied)) {
        items.set(key, merge(resolved.element, items.get(key), item));
      }
      return [...items.values()];
    }
    case 'set': {
      const items = new Map<string, unknown>();
      for (const item of [
        ...(Array.isArray(live) ? (live as unknown[]) : []),
        ...(Array.isArray(applied) ? (applied as unknown[]) : []),
      ]) {
        items.set(setItemKey(item), item);
      }
      return [...items.values()];
    }
    default:
      return structuredClone(applied);
  }
}

/** Removes the value at `path` (a field, a map-list item or a set item) from `obj`, in place. */
function removePath(node: SchemaNode, obj: unknown, path: FieldPath): void {
  const [element, ...rest] = path;
  if (element === undefined) return;
  const resolved = resolveNode(node, obj);
  if (element.startsWith('f:') && isRecord(obj)) {
    const key = element.slice(2);
    if (rest.length === 0) Reflect.deleteProperty(obj, key);
    else removePath(childNode(resolved, key).node, obj[key], rest);
    return;
  }
  if (!Array.isArray(obj)) return;
  const index = obj.findIndex((item) =>
    resolved.kind === 'mapList' ? itemKey(resolved.keys, item) === element : setItemKey(item) === element,
  );
  if (index < 0) return;
  if (rest.length === 0) obj.splice(index, 1);
  else removePath(resolved.kind === 'mapList' ? resolved.element : { kind: 'scalar' }, obj[index], rest);
}

/** One field another manager owns and an apply would change. */
export interface ApplyConflict {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  /** When the other manager last wrote, RFC 3339 ('' if unknown). */
  time: string;
  field: string;
}

export type ApplyResult = { obj: KubeObject; conflicts: [] } | { obj: undefined; conflicts: ApplyConflict[] };

/**
 * Applies `config` for `writer` over `live` (undefined when creating). `resetStatus` drops
 * `status` from what the main resource may apply; a /status apply keeps only `status`.
 */
export function applyConfiguration(input: {
  node: SchemaNode;
  live: KubeObject | undefined;
  base: KubeObject;
  config: KubeObject;
  writer: Writer;
  force: boolean;
  resetStatus: boolean;
}): ApplyResult {
  const { node, writer } = input;
  const config = structuredClone(input.config);
  delete metadataOf(config).managedFields;
  if (input.resetStatus) delete config.status;
  const scoped =
    writer.subresource === 'status'
      ? { apiVersion: config.apiVersion, kind: config.kind, metadata: config.metadata, status: config.status }
      : config;
  let applied = strip(toFieldSet(node, scoped));
  if (writer.subresource === 'status')
    applied = new Set([...applied].filter((k) => parsePathKey(k)[0] === 'f:status'));
  const live = withoutManaged(input.base);
  const merged = merge(node, live, scoped) as KubeObject;
  const diff = compare(node, live, merged);
  const changed = strip(union(diff.added, diff.modified));
  const owners = input.live === undefined ? [] : startingOwners(input.live, input.live, writer.subresource);
  const self = {
    manager: writer.manager,
    operation: 'Apply' as const,
    apiVersion: writer.apiVersion,
    subresource: writer.subresource,
  };
  const others = owners.filter((o) => !sameOwner(o, self));
  const conflicts = others.flatMap((o) =>
    [...intersection(o.set, changed)].map((key) => ({
      manager: o.manager,
      operation: o.operation,
      apiVersion: o.apiVersion,
      subresource: o.subresource,
      time: o.time,
      field: describePath(parsePathKey(key)),
    })),
  );
  if (conflicts.length > 0 && !input.force) return { obj: undefined, conflicts };
  for (const owner of others) owner.set = difference(owner.set, changed);
  const previous = owners.find((o) => sameOwner(o, self));
  // A previous set may hold parents as members (an Update's set, merged into this manager's by
  // kubectl's client-side to server-side apply migration): they stay while a child is owned.
  const owned = union(applied, ...others.map((o) => o.set));
  const removable = withoutOwnedDescendants(difference(previous?.set ?? new Set(), owned), owned);
  for (const key of [...removable].sort((a, b) => a.length - b.length))
    removePath(node, merged, parsePathKey(key));
  const objectChanged = !deepEqual(merged, live);
  const setChanged = previous === undefined || !deepEqual([...previous.set].sort(), [...applied].sort());
  const time = objectChanged || setChanged ? writer.now : previous.time;
  metadataOf(merged).managedFields = encode([...others, { ...self, time, set: applied }]);
  return { obj: merged, conflicts: [] };
}
