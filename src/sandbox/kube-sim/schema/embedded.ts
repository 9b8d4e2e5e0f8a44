import { child, index, invalid, key, required } from './fielderrors.ts';
import type { FieldError } from './fielderrors.ts';
import { isObject } from './json.ts';
import type { JSONSchemaProps } from './types.ts';

/**
 * The checks apiextensions-apiserver (pkg/apiserver/schema/objectmeta, validateEmbeddedResource)
 * makes on objects marked `x-kubernetes-embedded-resource`: `apiVersion` and `kind` present,
 * strings, non-empty, a parsable group/version and a DNS-1035 kind. The embedded `metadata` is not
 * validated here (the real server runs ValidateObjectMeta on it).
 */
export function validateEmbeddedResources(
  obj: Record<string, unknown>,
  schema: JSONSchemaProps,
): FieldError[] {
  return walk('', obj, schema, true);
}

const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Message =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

function walk(path: string, x: unknown, s: JSONSchemaProps | undefined, root = false): FieldError[] {
  if (s === undefined) return [];
  const errors: FieldError[] = [];
  if (Array.isArray(x)) {
    x.forEach((v, i) => errors.push(...walk(index(path, i), v, s.items)));
  } else if (isObject(x)) {
    if (s['x-kubernetes-embedded-resource'] === true && !root) errors.push(...checkEmbedded(path, x));
    const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    for (const [k, v] of Object.entries(x)) {
      const prop = s.properties?.[k];
      if (prop !== undefined) errors.push(...walk(child(path, k), v, prop));
      else if (extra !== undefined) errors.push(...walk(key(path, k), v, extra));
    }
  }
  return errors;
}

function checkEmbedded(path: string, x: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  if (!('apiVersion' in x)) errors.push(required(child(path, 'apiVersion')));
  if (!('kind' in x)) errors.push(required(child(path, 'kind')));
  for (const [k, v] of Object.entries(x)) {
    const p = child(path, k);
    if (k !== 'apiVersion' && k !== 'kind') continue;
    if (typeof v !== 'string') errors.push(invalid(p, v, 'must be a string'));
    else if (v === '') errors.push(invalid(p, v, 'must not be empty'));
    else if (k === 'apiVersion' && v.split('/').length > 2)
      errors.push(invalid(p, v, `unexpected GroupVersion string: ${v}`));
    else if (k === 'kind') {
      const lower = v.toLowerCase();
      const problems = [
        ...(lower.length > 63 ? ['must be no more than 63 characters'] : []),
        ...(dns1035.test(lower) ? [] : [dns1035Message]),
      ];
      if (problems.length > 0)
        errors.push(invalid(p, v, `may have mixed case, but should otherwise match: ${problems.join(',')}`));
    }
  }
  return errors;
}
