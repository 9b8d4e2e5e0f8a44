import { isObject } from './json.ts';
import type { JSONSchemaProps } from './types.ts';

/**
 * Defaulting as the real server does it after pruning (apiextensions-apiserver
 * pkg/apiserver/schema/defaulting): first non-nullable `null`s without a default are dropped
 * (PruneNonNullableNullsWithoutDefaults), then every absent or non-nullable-null property with a
 * `default` gets a copy of it. Defaults apply only where the parent object exists, inside array
 * items and additionalProperties values too, and nested defaults apply inside a defaulted value.
 * The server runs this on every decode, including reads from storage. Mutates `obj`.
 */
export function applyDefaults(obj: Record<string, unknown>, schema: JSONSchemaProps): void {
  dropNonNullableNulls(obj, schema);
  applyDefaultsTo(obj, schema);
}

function fieldSchema(s: JSONSchemaProps | undefined, k: string): JSONSchemaProps | undefined {
  if (s === undefined) return undefined;
  return (
    s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined)
  );
}

function isNonNullableNull(x: unknown, s: JSONSchemaProps | undefined): s is JSONSchemaProps {
  return x === null && s !== undefined && s.nullable !== true;
}

function dropNonNullableNulls(x: unknown, s: JSONSchemaProps | undefined): void {
  if (Array.isArray(x)) {
    for (const v of x) dropNonNullableNulls(v, s?.items);
  } else if (isObject(x)) {
    for (const k of Object.keys(x)) {
      const sub = fieldSchema(s, k);
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the server drops such nulls wherever they are
      if (isNonNullableNull(x[k], sub) && sub.default === undefined) delete x[k];
      else dropNonNullableNulls(x[k], sub);
    }
  }
}

function applyDefaultsTo(x: unknown, s: JSONSchemaProps | undefined): void {
  if (s === undefined) return;
  if (Array.isArray(x)) {
    x.forEach((v, i) => {
      if (isNonNullableNull(v, s.items) && s.items.default !== undefined)
        x[i] = structuredClone(s.items.default);
      applyDefaultsTo(x[i], s.items);
    });
    return;
  }
  if (!isObject(x)) return;
  for (const [k, prop] of Object.entries(s.properties ?? {})) {
    if (prop.default === undefined) continue;
    if (!(k in x) || isNonNullableNull(x[k], prop)) x[k] = structuredClone(prop.default);
  }
  const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const k of Object.keys(x)) {
    const prop = s.properties?.[k];
    if (prop !== undefined) {
      applyDefaultsTo(x[k], prop);
    } else if (extra !== undefined) {
      if (isNonNullableNull(x[k], extra) && extra.default !== undefined)
        x[k] = structuredClone(extra.default);
      applyDefaultsTo(x[k], extra);
    }
  }
}
