import { isCelError, run } from '@bufbuild/cel';

import {
  child,
  index,
  invalid,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from './fielderrors.ts';
import type { FieldError } from './fielderrors.ts';
import { formatChecker } from './formats.ts';
import { goFloat, goQuote } from './gofmt.ts';
import { deepEqual, isObject } from './json.ts';
import type { JSONSchemaProps } from './types.ts';

/**
 * OpenAPI schema validation of a custom resource as kube-openapi's SchemaValidator runs it for
 * the real server (k8s.io/kube-openapi/pkg/validation/validate), converted to field errors as
 * apiextensions-apiserver does (kubeOpenAPIResultToFieldErrors). Per node, in this order: type,
 * string (maxLength, minLength, pattern), format, number (multipleOf, minimum, maximum), array
 * (items, minItems, maxItems), enum, object (min/maxProperties, additionalProperties, properties,
 * required).
 *
 * With `old` (an update), validation ratchets like the CRDValidationRatcheting feature (on by
 * default since 1.30): a subtree equal to its correlated old value (same property, same map key,
 * same list-map key) is not validated, so unchanged invalid data stays accepted.
 *
 * Root `apiVersion`, `kind` and `metadata` are left to the caller.
 */
export function validateAgainstSchema(
  obj: Record<string, unknown>,
  schema: JSONSchemaProps,
  old?: Record<string, unknown>,
): FieldError[] {
  const errors: FieldError[] = [];
  validateNode(obj, schema, '', old === undefined ? undefined : { value: old }, errors, true);
  return errors;
}

/** The old value a node is correlated with; absent when the node is new or not correlatable. */
interface Old {
  value: unknown;
}

const rootMeta = new Set(['apiVersion', 'kind', 'metadata']);
const supportedStringFormats = (format: string): boolean => formatChecker(format) !== undefined;

/** The format the server keeps after stripping the ones it does not support for the node's type. */
function effectiveFormat(s: JSONSchemaProps): string {
  const f = s.format ?? '';
  if (f === '') return '';
  switch (s['x-kubernetes-int-or-string'] === true ? 'int-or-string' : (s.type ?? '')) {
    case '':
    case 'string':
      return supportedStringFormats(f) ? f : '';
    case 'integer':
      return f === 'int32' || f === 'int64' ? f : '';
    case 'number':
      return f === 'float' || f === 'double' ? f : '';
    default:
      return '';
  }
}

function schemaTypes(s: JSONSchemaProps): string[] {
  if (s['x-kubernetes-int-or-string'] === true) return ['integer', 'string'];
  return s.type === undefined ? [] : [s.type];
}

/** The JSON type and Go-side format kube-openapi infers for decoded data. */
function dataType(v: unknown): [string, string] {
  if (typeof v === 'string') return ['string', ''];
  if (typeof v === 'boolean') return ['boolean', ''];
  if (typeof v === 'number') return Number.isInteger(v) ? ['integer', 'int64'] : ['number', 'float64'];
  return Array.isArray(v) ? ['array', ''] : ['object', ''];
}

function validateNode(
  v: unknown,
  s: JSONSchemaProps,
  path: string,
  old: Old | undefined,
  errors: FieldError[],
  root = false,
): void {
  if (old !== undefined && deepEqual(v, old.value)) return;
  if (v === null) {
    checkType(v, s, path, errors);
    checkEnum(v, s, path, errors);
    return;
  }
  checkType(v, s, path, errors);
  if (typeof v === 'string') {
    checkString(v, s, path, errors);
    checkFormat(v, s, path, errors);
  }
  if (typeof v === 'number') checkNumber(v, s, path, errors);
  if (Array.isArray(v)) checkArray(v, s, path, old, errors);
  checkEnum(v, s, path, errors);
  if (isObject(v)) checkObject(v, s, path, old, errors, root);
}

function checkType(v: unknown, s: JSONSchemaProps, path: string, errors: FieldError[]): void {
  const types = schemaTypes(s);
  const format = effectiveFormat(s);
  if (types.length === 0 && format === '') return;
  const mustBe = (typeName: string, actual: string): void => {
    errors.push(typeInvalid(path, actual, `${path} in body must be of type ${typeName}: ${goQuote(actual)}`));
  };
  if (v === null) {
    if (types.length > 0 && s.nullable !== true) mustBe(types.join(','), 'null');
    return;
  }
  const [schType, dataFormat] = dataType(v);
  const isIntFloat = schType === 'integer' && types.includes('number');
  const stringOrSlice = typeof v === 'string' || Array.isArray(v);
  if (!stringOrSlice && format !== '' && !(types.includes(schType) || dataFormat === format || isIntFloat)) {
    mustBe(format, dataFormat);
    return;
  }
  if (!types.includes('number') && !types.includes('integer') && format !== '' && stringOrSlice) return;
  if (!types.includes(schType) && !isIntFloat) mustBe(types.join(','), schType);
}

/** RE2 (Go regexp) semantics, through CEL's `matches`; an invalid pattern matches nothing. */
function re2Matches(pattern: string, s: string): boolean {
  const r = run('s.matches(p)', { s, p: pattern });
  return !isCelError(r) && r === true;
}

function checkString(v: string, s: JSONSchemaProps, path: string, errors: FieldError[]): void {
  const length = Array.from(v).length;
  if (s.maxLength !== undefined && length > s.maxLength) errors.push(tooLong(path, s.maxLength));
  else if (s.minLength !== undefined && length < s.minLength)
    errors.push(invalid(path, v, `${path} in body should be at least ${s.minLength} chars long`));
  else if (s.pattern !== undefined && !re2Matches(s.pattern, v))
    errors.push(invalid(path, v, `${path} in body should match '${s.pattern}'`));
}

function checkFormat(v: string, s: JSONSchemaProps, path: string, errors: FieldError[]): void {
  const format = effectiveFormat(s);
  const check = format === '' ? undefined : formatChecker(format);
  if (check !== undefined && !check(v))
    errors.push(typeInvalid(path, v, `${path} in body must be of type ${format}: ${goQuote(v)}`));
}

function isJsonInteger(f: number): boolean {
  return Number.isFinite(f) && Math.abs(f - Math.round(f)) <= 1e-9 * Math.max(1, Math.abs(f));
}

function checkNumber(v: number, s: JSONSchemaProps, path: string, errors: FieldError[]): void {
  const integral = Number.isInteger(v);
  // For integer data the server compares against bounds truncated to int64 and prints them so.
  const bound = (b: number): string => (integral ? String(Math.trunc(b)) : goFloat(b));
  const asBound = (b: number): number => (integral ? Math.trunc(b) : b);
  if (s.multipleOf !== undefined) {
    const factor = asBound(s.multipleOf);
    const mult = integral ? v / factor : s.multipleOf < 1 ? (1 / s.multipleOf) * v : v / s.multipleOf;
    if (factor !== 0 && !(integral ? Number.isInteger(mult) : isJsonInteger(mult))) {
      errors.push(invalid(path, v, `${path} in body should be a multiple of ${bound(s.multipleOf)}`));
    }
  }
  if (s.minimum !== undefined) {
    const min = asBound(s.minimum);
    const exclusive = s.exclusiveMinimum === true;
    if (exclusive ? v <= min : v < min) {
      errors.push(
        invalid(
          path,
          v,
          `${path} in body should be greater than ${exclusive ? '' : 'or equal to '}${bound(s.minimum)}`,
        ),
      );
    }
  }
  if (s.maximum !== undefined) {
    const max = asBound(s.maximum);
    const exclusive = s.exclusiveMaximum === true;
    if (exclusive ? v >= max : v > max) {
      errors.push(
        invalid(
          path,
          v,
          `${path} in body should be less than ${exclusive ? '' : 'or equal to '}${bound(s.maximum)}`,
        ),
      );
    }
  }
}

/** The old item a new list item correlates with: by key fields for list-type map, by value for set. */
function correlateItem(item: unknown, s: JSONSchemaProps, old: Old | undefined): Old | undefined {
  if (old === undefined || !Array.isArray(old.value)) return undefined;
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') return old.value.some((o) => deepEqual(o, item)) ? { value: item } : undefined;
  if (listType !== 'map' || !isObject(item)) return undefined;
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  const oldItems: unknown[] = old.value;
  const match = oldItems.find((o) => isObject(o) && keys.every((k) => deepEqual(o[k], item[k])));
  return match === undefined ? undefined : { value: match };
}

function checkArray(
  v: unknown[],
  s: JSONSchemaProps,
  path: string,
  old: Old | undefined,
  errors: FieldError[],
): void {
  const items = s.items;
  if (items !== undefined) {
    v.forEach((item, i) => {
      validateNode(item, items, index(path, i), correlateItem(item, s, old), errors);
    });
  }
  if (s.minItems !== undefined && v.length < s.minItems)
    errors.push(invalid(path, v.length, `${path} in body should have at least ${s.minItems} items`));
  if (s.maxItems !== undefined && v.length > s.maxItems) errors.push(tooMany(path, v.length, s.maxItems));
}

function checkEnum(v: unknown, s: JSONSchemaProps, path: string, errors: FieldError[]): void {
  if (s.enum === undefined || s.enum.length === 0 || s.enum.some((e) => deepEqual(e, v))) return;
  const values = s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
  errors.push(notSupported(path, v, values));
}

function childOld(old: Old | undefined, s: JSONSchemaProps, k: string): Old | undefined {
  if (
    old === undefined ||
    !isObject(old.value) ||
    !(k in old.value) ||
    s['x-kubernetes-map-type'] === 'atomic'
  )
    return undefined;
  return { value: old.value[k] };
}

function checkObject(
  v: Record<string, unknown>,
  s: JSONSchemaProps,
  path: string,
  old: Old | undefined,
  errors: FieldError[],
  root: boolean,
): void {
  const size = Object.keys(v).length;
  if (s.minProperties !== undefined && size < s.minProperties) {
    errors.push(invalid(path, size, `${path} in body should have at least ${s.minProperties} properties`));
    return;
  }
  if (s.maxProperties !== undefined && size > s.maxProperties) {
    errors.push(tooMany(path, size, s.maxProperties));
    return;
  }
  const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  if (extra !== undefined) {
    for (const [k, value] of Object.entries(v)) {
      if (s.properties?.[k] === undefined)
        validateNode(value, extra, child(path, k), childOld(old, s, k), errors);
    }
  }
  for (const [k, prop] of Object.entries(s.properties ?? {})) {
    if (root && rootMeta.has(k)) continue;
    if (k in v) validateNode(v[k], prop, child(path, k), childOld(old, s, k), errors);
  }
  for (const k of s.required ?? []) {
    if (!(k in v) && !(root && k === 'metadata')) errors.push(required(child(path, k)));
  }
}
