import { isCelError, parse, plan } from '@bufbuild/cel';
import type { CelEnv, CelInput, CelValue } from '@bufbuild/cel';

import { kubernetesCelEnv, optionalOf, toCelValue } from './celenv.ts';
import {
  child,
  duplicate,
  errorBody,
  forbidden,
  index,
  invalid,
  key,
  omitValue,
  required,
} from './fielderrors.ts';
import type { FieldError } from './fielderrors.ts';
import { deepEqual, isObject } from './json.ts';
import type { JSONSchemaProps, ValidationRule } from './types.ts';

/**
 * `x-kubernetes-validations` evaluation as apiextensions-apiserver pkg/apiserver/schema/cel runs it:
 * every non-null node with rules is evaluated with `self` bound to it; rules that mention `oldSelf`
 * (transition rules) run only when the node has a correlated old value (same property, same map
 * key, same list-map key; never inside atomic or set lists), unless `optionalOldSelf` is set, in
 * which case `oldSelf` is an optional. A failure becomes a field error at the node (or at the rule's
 * `fieldPath`) with the rule's reason, the bad value being the node's schema type (`"string"`,
 * `"object"`), the detail `messageExpression`'s result, else `message`, else `failed rule: <rule>`.
 *
 * On update, failures of non-transition rules on values equal to their old values are ratcheted:
 * returned as warnings (`spec.x: Invalid value: ...`) instead of errors, as the real server does.
 */
export function validateCelRules(
  obj: Record<string, unknown>,
  schema: JSONSchemaProps,
  old?: Record<string, unknown>,
): { errors: FieldError[]; warnings: string[] } {
  const out = { errors: [] as FieldError[], warnings: [] as string[], env: kubernetesCelEnv() };
  walk(obj, schema, '', old === undefined ? undefined : { value: old }, false, true, out);
  return { errors: out.errors, warnings: out.warnings };
}

interface Old {
  value: unknown;
}

interface Output {
  errors: FieldError[];
  warnings: string[];
  env: CelEnv;
}

function walk(
  v: unknown,
  s: JSONSchemaProps,
  path: string,
  old: Old | undefined,
  parentUnchanged: boolean,
  root: boolean,
  out: Output,
): void {
  if (v === null || v === undefined) return;
  const unchanged = old === undefined ? parentUnchanged : deepEqual(v, old.value);
  const rules = s['x-kubernetes-validations'] ?? [];
  if (rules.length > 0) evaluateRules(v, s, path, old, unchanged, root, rules, out);
  if (Array.isArray(v)) {
    const items = s.items;
    if (items === undefined) return;
    v.forEach((item, i) => {
      walk(item, items, index(path, i), correlateListMapItem(item, s, old), unchanged, false, out);
    });
  } else if (isObject(v)) {
    const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    const correlatable = s['x-kubernetes-map-type'] !== 'atomic';
    const childOld = (k: string): Old | undefined =>
      correlatable && old !== undefined && isObject(old.value) && k in old.value
        ? { value: old.value[k] }
        : undefined;
    if (extra !== undefined) {
      for (const [k, x] of Object.entries(v))
        if (s.properties?.[k] === undefined) walk(x, extra, key(path, k), childOld(k), unchanged, false, out);
    }
    for (const [k, x] of Object.entries(v)) {
      const prop = s.properties?.[k];
      if (prop !== undefined && !(root && k === 'metadata'))
        walk(x, prop, child(path, k), childOld(k), unchanged, false, out);
    }
  }
}

function correlateListMapItem(item: unknown, s: JSONSchemaProps, old: Old | undefined): Old | undefined {
  if (
    s['x-kubernetes-list-type'] !== 'map' ||
    old === undefined ||
    !Array.isArray(old.value) ||
    !isObject(item)
  )
    return undefined;
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  const oldItems: unknown[] = old.value;
  const match = oldItems.find((o) => isObject(o) && keys.every((k) => deepEqual(o[k], item[k])));
  return match === undefined ? undefined : { value: match };
}

/** True when the expression mentions the identifier `oldSelf`. */
function usesOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(usesOldSelf);
  if (!isObject(node)) return false;
  if (node.$typeName === 'cel.expr.Expr.Ident' && node.name === 'oldSelf') return true;
  return Object.values(node).some((x) => typeof x === 'object' && usesOldSelf(x));
}

type Evaluated = { ok: true; value: CelValue } | { ok: false; message: string };

function evaluate(env: CelEnv, expr: string, bindings: Record<string, CelInput>): Evaluated {
  try {
    const result = plan(env, parse(expr))(bindings);
    if (isCelError(result)) return { ok: false, message: celMessage(result.message) };
    return { ok: true, value: result };
  } catch (e) {
    return { ok: false, message: celMessage(e instanceof Error ? e.message : String(e)) };
  }
}

/** cel-go's wording for the runtime errors users see most. */
function celMessage(message: string): string {
  if (message.startsWith('Failed to parse duration'))
    return "type conversion error from 'string' to 'google.protobuf.Duration'";
  return message.replace(/^field not found: /, 'no such key: ');
}

const ruleErrorString = (rule: ValidationRule): string =>
  rule.message !== undefined && rule.message.trim() !== '' ? rule.message.trim() : rule.rule.trim();
const ruleMessageOrDefault = (rule: ValidationRule): string =>
  rule.message !== undefined && rule.message.trim() !== ''
    ? rule.message.trim()
    : `failed rule: ${ruleErrorString(rule)}`;

function evaluateRules(
  v: unknown,
  s: JSONSchemaProps,
  path: string,
  old: Old | undefined,
  unchanged: boolean,
  root: boolean,
  rules: ValidationRule[],
  out: Output,
): void {
  const typeName = root ? 'object' : (s.type ?? '');
  // The real server's root field path is nil, printed `<nil>`.
  const at = (fieldPath: string): string => (fieldPath === '' ? '<nil>' : fieldPath);
  const self = toCelValue(v, s, root);
  const oldValue = old === undefined || old.value === null ? undefined : toCelValue(old.value, s, root);
  const bindings: Record<string, CelInput> = oldValue === undefined ? { self } : { self, oldSelf: oldValue };
  for (const rule of rules) {
    let transition: boolean;
    try {
      transition = usesOldSelf(parse(rule.rule));
    } catch (e) {
      out.errors.push(
        invalid(at(path), typeName, `rule compile error: ${e instanceof Error ? e.message : String(e)}`),
      );
      continue;
    }
    const optional = rule.optionalOldSelf === true;
    if (transition && oldValue === undefined && !optional) continue;
    const result = evaluate(
      out.env,
      rule.rule,
      optional ? { self, oldSelf: optionalOf(oldValue) } : bindings,
    );
    if (!result.ok) {
      const detail = result.message.startsWith('no such overload')
        ? `'${result.message}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`
        : `${result.message} evaluating rule: ${ruleErrorString(rule)}`;
      out.errors.push(invalid(at(path), typeName, detail));
      continue;
    }
    if (result.value === true) continue;
    // A failed rule shows the value itself (checked against kube-apiserver 1.37), but not a whole
    // object or list.
    const shown = isObject(v) || Array.isArray(v) ? omitValue : v;
    const error = ruleError(
      rule,
      at(fieldPathOf(path, s, rule.fieldPath)),
      shown,
      messageOf(rule, out.env, bindings),
    );
    if (!transition && unchanged) out.warnings.push(`${error.field}: ${errorBody(error)}`);
    else out.errors.push(error);
  }
}

/** The evaluated messageExpression, or the rule's static message when it fails or is unusable. */
function messageOf(rule: ValidationRule, env: CelEnv, bindings: Record<string, CelInput>): string {
  if (rule.messageExpression !== undefined && rule.messageExpression !== '') {
    const result = evaluate(env, rule.messageExpression, bindings);
    if (result.ok && typeof result.value === 'string') {
      const message = result.value.trim();
      if (message !== '' && !message.includes('\n') && Buffer.byteLength(message) <= 5000) return message;
    }
  }
  return ruleMessageOrDefault(rule);
}

function ruleError(rule: ValidationRule, path: string, badValue: unknown, detail: string): FieldError {
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return forbidden(path, detail);
    case 'FieldValueRequired':
      return required(path, detail);
    case 'FieldValueDuplicate':
      return duplicate(path, badValue);
    default:
      return invalid(path, badValue, detail);
  }
}

/** Resolves a rule's relative `fieldPath` (`.a.b`, `['x.y']`) below the node, as field.Path does. */
function fieldPathOf(base: string, schema: JSONSchemaProps, fieldPath: string | undefined): string {
  if (fieldPath === undefined || fieldPath === '') return base;
  let path = base;
  let s: JSONSchemaProps | undefined = schema;
  for (const [, dotted, quoted] of fieldPath.matchAll(/\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/g)) {
    const name = dotted ?? (quoted ?? '').replace(/\\(.)/g, '$1');
    const prop: JSONSchemaProps | undefined = s?.properties?.[name];
    if (prop !== undefined || s?.additionalProperties === undefined) {
      path = child(path, name);
      s = prop;
    } else {
      path = key(path, name);
      s = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    }
  }
  return path;
}
