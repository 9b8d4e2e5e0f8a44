import jsonpatch from 'fast-json-patch';
import mergePatch from 'json-merge-patch';
import { KubeError, badRequest } from './errors.ts';
import type { KubeObject } from './object-meta.ts';
import { isRecord } from './object-meta.ts';
import type { SchemaNode } from './structural-schema.ts';
import { childNode, resolveNode } from './structural-schema.ts';

/**
 * The three non-apply patch formats of the API server: JSON patch (RFC 6902, through
 * fast-json-patch), JSON merge patch (RFC 7386, through json-merge-patch) and strategic merge
 * patch (merge patch plus list merge strategies and `$patch`/`$retainKeys`/
 * `$deleteFromPrimitiveList`/`$setElementOrder` directives), which only built-in kinds accept.
 */

export type PatchType = 'json' | 'merge' | 'strategic';

const structuralErrors = new Set([
  'SEQUENCE_NOT_AN_ARRAY',
  'OPERATION_NOT_AN_OBJECT',
  'OPERATION_OP_INVALID',
  'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED',
  'OPERATION_VALUE_REQUIRED',
  'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
]);

/** The real server reports a JSON patch that does not apply as a bare 422 (NewGenericServerResponse). */
function patchDoesNotApply(): KubeError {
  return new KubeError({
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: {},
    code: 422,
  });
}

function applyJsonPatch(target: KubeObject, patch: unknown): KubeObject {
  if (!Array.isArray(patch))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    const result = jsonpatch.applyPatch(structuredClone(target), patch as jsonpatch.Operation[], true, true);
    if (!isRecord(result.newDocument)) throw patchDoesNotApply();
    return result.newDocument;
  } catch (err) {
    if (err instanceof jsonpatch.JsonPatchError && structuralErrors.has(err.name))
      throw badRequest(err.message);
    if (err instanceof KubeError) throw err;
    throw patchDoesNotApply();
  }
}

function strategicMerge(node: SchemaNode, target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const resolved = resolveNode(node, target);
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  const body = Object.fromEntries(Object.entries(patch).filter(([k]) => k !== '$patch'));
  if (directive === 'replace') return stripDirectives(body);
  const out: Record<string, unknown> = isRecord(target) ? structuredClone(target) : {};
  const retain = Array.isArray(body.$retainKeys) ? body.$retainKeys : undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value))
        out[field] = current.filter((v) => !value.includes(v));
      continue;
    }
    const child = resolveNode(childNode(resolved, key).node, out[key] ?? value);
    if (value === null) {
      Reflect.deleteProperty(out, key);
    } else if (Array.isArray(value) && (child.kind === 'set' || child.kind === 'mapList')) {
      out[key] = mergeList(child, out[key], value);
    } else {
      const merged = isRecord(value) ? strategicMerge(child, out[key], value) : structuredClone(value);
      if (merged === undefined) Reflect.deleteProperty(out, key);
      else out[key] = merged;
    }
  }
  if (retain !== undefined) {
    for (const key of Object.keys(out)) if (!retain.includes(key)) Reflect.deleteProperty(out, key);
  }
  return out;
}

function mergeList(node: SchemaNode, target: unknown, patch: unknown[]): unknown[] {
  const current = Array.isArray(target) ? structuredClone(target) : [];
  if (patch.some((item) => isRecord(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isRecord(item) && item.$patch === 'replace')).map(stripDirectives);
  }
  if (node.kind === 'set') {
    for (const item of patch) if (!current.includes(item)) current.push(item);
    return current;
  }
  if (node.kind !== 'mapList') return patch;
  const key = node.keys[0] ?? 'name';
  for (const item of patch) {
    if (!isRecord(item)) continue;
    const index = current.findIndex((c) => isRecord(c) && c[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index >= 0) current.splice(index, 1);
    } else if (index >= 0) {
      current[index] = strategicMerge(node.element, current[index], item);
    } else {
      current.push(stripDirectives(item));
    }
  }
  return current;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, v]) => [k, stripDirectives(v)]),
  );
}

/** Applies a patch of `type` to `target` (the served form); `node` describes the kind for strategic merge. */
export function applyPatch(
  type: PatchType,
  target: KubeObject,
  patch: unknown,
  node: SchemaNode,
): KubeObject {
  if (type === 'json') return applyJsonPatch(target, patch);
  if (!isRecord(patch))
    throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  const result =
    type === 'merge'
      ? (mergePatch.apply(structuredClone(target), patch) as unknown)
      : strategicMerge(node, target, patch);
  if (!isRecord(result)) throw patchDoesNotApply();
  return result;
}
