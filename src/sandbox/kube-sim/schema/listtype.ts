import { child, duplicate, index, invalid, key } from './fielderrors.ts';
import type { FieldError } from './fielderrors.ts';
import { isObject, sortedJson } from './json.ts';
import type { JSONSchemaProps } from './types.ts';

/**
 * The uniqueness invariants of `x-kubernetes-list-type: set` (whole items) and `map` (the
 * `x-kubernetes-list-map-keys` of each item), as apiextensions-apiserver
 * pkg/apiserver/schema/listtype checks them: every repeat after the first is a `FieldValueDuplicate`
 * at the repeat's index, carrying the item (set) or its key fields (map) as the bad value.
 */
export function validateListTypes(obj: Record<string, unknown>, schema: JSONSchemaProps): FieldError[] {
  return validateObject('', schema, obj);
}

function validateObject(path: string, s: JSONSchemaProps, obj: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const [k, v] of Object.entries(obj)) {
    const prop = s.properties?.[k];
    if (prop !== undefined) errors.push(...validateValue(child(path, k), prop, v));
    else if (extra !== undefined) errors.push(...validateValue(key(path, k), extra, v));
  }
  return errors;
}

function validateValue(path: string, s: JSONSchemaProps, v: unknown): FieldError[] {
  if (Array.isArray(v)) return validateArray(path, s, v);
  return isObject(v) ? validateObject(path, s, v) : [];
}

function validateArray(path: string, s: JSONSchemaProps, list: unknown[]): FieldError[] {
  const errors: FieldError[] = [];
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    for (const i of repeats(list)) errors.push(duplicate(index(path, i), list[i]));
  } else if (listType === 'map') {
    const notObject = list.findIndex((x) => x !== null && !isObject(x));
    if (notObject >= 0)
      return [
        invalid(index(path, notObject), list[notObject], 'must be an object for an array of list-type map'),
      ];
    const keyFields = s['x-kubernetes-list-map-keys'] ?? [];
    const keys = list.map((x) => {
      const k: Record<string, unknown> = {};
      for (const f of keyFields) if (isObject(x) && f in x) k[f] = x[f];
      return k;
    });
    for (const i of repeats(keys)) errors.push(duplicate(index(path, i), keys[i]));
  }
  const items = s.items;
  if (items !== undefined) list.forEach((x, i) => errors.push(...validateValue(index(path, i), items, x)));
  return errors;
}

/** Indices of the second occurrence of each repeated value. */
function repeats(values: unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((v, i) => {
    const id = sortedJson(v);
    const times = seen.get(id) ?? 0;
    seen.set(id, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}
