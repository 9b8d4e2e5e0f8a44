import { child, index } from './fielderrors.ts';
import { isObject } from './json.ts';
import type { JSONSchemaProps } from './types.ts';

/**
 * Structural pruning as the real server does it on decode (apiextensions-apiserver
 * pkg/apiserver/schema/pruning): fields the schema does not specify are dropped, except below
 * `x-kubernetes-preserve-unknown-fields: true` (where specified properties are still pruned
 * inside), `apiVersion`/`kind`/`metadata` of the resource root and of embedded resources. Root
 * `metadata` is the caller's business and left untouched.
 *
 * Mutates `obj` and returns the dropped paths (`spec.foo`, `spec.items[0].bar`), sorted as the
 * server reports them in `unknown field "..."` warnings and strict decoding errors.
 */
export function pruneUnknownFields(obj: Record<string, unknown>, schema: JSONSchemaProps): string[] {
  const pruned: string[] = [];
  prune(obj, schema, '', true, pruned);
  return pruned.sort();
}

const metaFields = new Set(['apiVersion', 'kind', 'metadata']);

function additional(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
}

function prune(
  x: unknown,
  s: JSONSchemaProps | undefined,
  path: string,
  root: boolean,
  pruned: string[],
): void {
  if (s?.['x-kubernetes-preserve-unknown-fields'] === true) {
    skipPrune(x, s, path, pruned);
    return;
  }
  if (Array.isArray(x)) {
    x.forEach((v, i) => {
      prune(v, s?.items, index(path, i), false, pruned);
    });
    return;
  }
  if (!isObject(x)) return;
  const keepMeta = root || s?.['x-kubernetes-embedded-resource'] === true;
  for (const k of Object.keys(x)) {
    if (keepMeta && metaFields.has(k)) continue;
    const sub = s?.properties?.[k] ?? (s === undefined ? undefined : additional(s));
    if (sub === undefined) {
      pruned.push(child(path, k));
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- pruning removes arbitrary keys by design
      delete x[k];
    } else {
      prune(x[k], sub, child(path, k), false, pruned);
    }
  }
}

function skipPrune(x: unknown, s: JSONSchemaProps, path: string, pruned: string[]): void {
  if (Array.isArray(x)) {
    if (s.items !== undefined) {
      const items = s.items;
      x.forEach((v, i) => {
        skipPrune(v, items, index(path, i), pruned);
      });
    }
    return;
  }
  if (!isObject(x)) return;
  for (const k of Object.keys(x)) {
    if (s['x-kubernetes-embedded-resource'] === true && metaFields.has(k)) continue;
    const sub = s.properties?.[k] ?? additional(s);
    if (sub !== undefined) prune(x[k], sub, child(path, k), false, pruned);
  }
}
