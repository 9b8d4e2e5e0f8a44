import { deepEqual } from './schema/json.ts';
import { isRecord } from './object-meta.ts';
import type { SchemaNode } from './structural-schema.ts';
import { childNode, resolveNode } from './structural-schema.ts';

/**
 * Sets of field paths as structured-merge-diff keeps them for managedFields. A path is a list of
 * elements written as in `fieldsV1`: `f:name` (field), `k:{"type":"Ready"}` (item of a map-list),
 * `v:"x"` (item of a set). A set holds each path as its JSON text.
 */
export type FieldPath = string[];
export type FieldSet = Set<string>;

export function pathKey(path: FieldPath): string {
  return JSON.stringify(path);
}

export function parsePathKey(key: string): FieldPath {
  return JSON.parse(key) as FieldPath;
}

/** The `k:` element naming a map-list item by its key fields (sorted, as structured-merge-diff writes them). */
export function itemKey(keys: string[], item: unknown): string {
  const record = isRecord(item) ? item : {};
  const fields = [...keys].sort().filter((k) => record[k] !== undefined);
  return `k:${JSON.stringify(Object.fromEntries(fields.map((k) => [k, record[k]])))}`;
}

export function setItemKey(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

/** Map-list items keyed by their `k:` element, in list order. */
export function keyedItems(keys: string[], list: unknown): Map<string, unknown> {
  const items = new Map<string, unknown>();
  if (Array.isArray(list)) for (const item of list) items.set(itemKey(keys, item), item);
  return items;
}

function setItems(list: unknown): Map<string, unknown> {
  const items = new Map<string, unknown>();
  if (Array.isArray(list)) for (const item of list) items.set(setItemKey(item), item);
  return items;
}

/** The children of a granular value: element, its schema node, and whether the child path is itself a member. */
function children(
  node: SchemaNode,
  value: unknown,
): Array<{ element: string; value: unknown; node: SchemaNode; member: boolean }> {
  switch (node.kind) {
    case 'struct':
    case 'map':
      if (!isRecord(value)) return [];
      return Object.entries(value).map(([key, child]) => {
        const { node: sub, declared } = childNode(node, key);
        return { element: `f:${key}`, value: child, node: resolveNode(sub, child), member: !declared };
      });
    case 'mapList':
      return [...keyedItems(node.keys, value)].map(([element, item]) => ({
        element,
        value: item,
        node: resolveNode(node.element, item),
        member: true,
      }));
    case 'set':
      return [...setItems(value)].map(([element, item]) => ({
        element,
        value: item,
        node: { kind: 'scalar' },
        member: true,
      }));
    default:
      return [];
  }
}

function isLeaf(node: SchemaNode): boolean {
  return node.kind === 'scalar' || node.kind === 'atomic';
}

/** Every path a value sets (structured-merge-diff `ToFieldSet`). */
export function toFieldSet(
  node: SchemaNode,
  value: unknown,
  prefix: FieldPath = [],
  out: FieldSet = new Set(),
): FieldSet {
  const resolved = resolveNode(node, value);
  if (isLeaf(resolved) || value === null) {
    if (prefix.length > 0) out.add(pathKey(prefix));
    return out;
  }
  for (const child of children(resolved, value)) {
    const path = [...prefix, child.element];
    if (child.member) out.add(pathKey(path));
    toFieldSet(child.node, child.value, path, out);
  }
  return out;
}

/** What changed between two values, as path sets (structured-merge-diff `Compare`). */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export function compare(node: SchemaNode, before: unknown, after: unknown): Comparison {
  const result: Comparison = { added: new Set(), modified: new Set(), removed: new Set() };
  walkCompare(node, before, after, [], result);
  return result;
}

function isEmptyContainer(value: unknown): boolean {
  return (
    value === undefined ||
    (Array.isArray(value) && value.length === 0) ||
    (isRecord(value) && Object.keys(value).length === 0)
  );
}

/**
 * structured-merge-diff's comparison: leaves (scalars, atomic values, and containers empty on
 * both sides) are added, removed or modified; a non-leaf node that appears or disappears is
 * itself added or removed, and so is everything below it.
 */
function walkCompare(
  node: SchemaNode,
  before: unknown,
  after: unknown,
  prefix: FieldPath,
  out: Comparison,
): void {
  const resolved = resolveNode(node, after ?? before);
  const mark = (set: FieldSet): void => {
    if (prefix.length > 0) set.add(pathKey(prefix));
  };
  const leaf =
    isLeaf(resolved) ||
    before === null ||
    after === null ||
    (isEmptyContainer(before) && isEmptyContainer(after)) ||
    (before !== undefined &&
      after !== undefined &&
      resolveNode(node, before).kind !== resolveNode(node, after).kind);
  if (leaf) {
    if (before === undefined) mark(out.added);
    else if (after === undefined) mark(out.removed);
    else if (!deepEqual(before, after)) mark(out.modified);
    return;
  }
  if (before === undefined) mark(out.added);
  if (after === undefined) mark(out.removed);
  const beforeChildren = new Map(children(resolved, before).map((c) => [c.element, c]));
  const afterChildren = new Map(children(resolved, after).map((c) => [c.element, c]));
  for (const element of new Set([...beforeChildren.keys(), ...afterChildren.keys()])) {
    const b = beforeChildren.get(element);
    const a = afterChildren.get(element);
    walkCompare((a ?? b)?.node ?? { kind: 'deduced' }, b?.value, a?.value, [...prefix, element], out);
  }
}

interface TreeNode {
  member: boolean;
  children: Map<string, TreeNode>;
}

const elementOrder = ['f', 'k', 'v', 'i'];

function compareElements(a: string, b: string): number {
  const byType = elementOrder.indexOf(a.slice(0, 1)) - elementOrder.indexOf(b.slice(0, 1));
  if (byType !== 0) return byType;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Encodes a set as the `fieldsV1` object of a managedFields entry. */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: TreeNode = { member: false, children: new Map() };
  for (const key of set) {
    let node = root;
    for (const element of parsePathKey(key)) {
      let next = node.children.get(element);
      if (next === undefined) {
        next = { member: false, children: new Map() };
        node.children.set(element, next);
      }
      node = next;
    }
    node.member = true;
  }
  const encode = (node: TreeNode): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    if (node.member && node.children.size > 0) out['.'] = {};
    for (const element of [...node.children.keys()].sort(compareElements)) {
      const child = node.children.get(element);
      if (child !== undefined) out[element] = encode(child);
    }
    return out;
  };
  return encode(root);
}

/** Decodes a `fieldsV1` object into a set. */
export function fromFieldsV1(fields: unknown, prefix: FieldPath = [], out: FieldSet = new Set()): FieldSet {
  if (!isRecord(fields)) return out;
  const entries = Object.entries(fields);
  if (prefix.length > 0 && (entries.length === 0 || Object.hasOwn(fields, '.'))) out.add(pathKey(prefix));
  for (const [element, child] of entries) {
    if (element !== '.') fromFieldsV1(child, [...prefix, element], out);
  }
  return out;
}

/** A path as structured-merge-diff prints it in conflict messages: `.spec.depth`, `.status.conditions[type="Ready"]`. */
export function describePath(path: FieldPath): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      switch (element.slice(0, 1)) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const fields = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(fields)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

export function union(...sets: FieldSet[]): FieldSet {
  const out = new Set<string>();
  for (const set of sets) for (const key of set) out.add(key);
  return out;
}

export function difference(a: FieldSet, b: FieldSet): FieldSet {
  return new Set([...a].filter((key) => !b.has(key)));
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  return new Set([...a].filter((key) => b.has(key)));
}

/** Drops every path that starts with one of `prefixes` (each a path). */
export function withoutPrefixes(set: FieldSet, prefixes: FieldPath[]): FieldSet {
  return new Set(
    [...set].filter((key) => {
      const path = parsePathKey(key);
      return !prefixes.some((p) => p.length <= path.length && p.every((element, i) => path[i] === element));
    }),
  );
}

/**
 * Drops every path that is a parent of a path in `owned`: removing it would take the owned fields
 * along (structured-merge-diff removes a disowned parent, then adds back the fields still owned).
 */
export function withoutOwnedDescendants(set: FieldSet, owned: FieldSet): FieldSet {
  const ownedPaths = [...owned].map(parsePathKey);
  return new Set(
    [...set].filter((key) => {
      const path = parsePathKey(key);
      return !ownedPaths.some((o) => o.length > path.length && path.every((element, i) => o[i] === element));
    }),
  );
}
