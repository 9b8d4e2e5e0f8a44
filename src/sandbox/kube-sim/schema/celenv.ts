import { CelScalar, celEnv, celMethod, isCelError, listType, mapType, run } from '@bufbuild/cel';
import type { CelEnv, CelInput, CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

import { isObject } from './json.ts';
import type { JSONSchemaProps } from './types.ts';

/**
 * The CEL environment and value model of CRD validation rules (k8s.io/apiserver/pkg/cel and
 * apiextensions-apiserver pkg/apiserver/schema/cel), built on @bufbuild/cel:
 * - values are typed by the schema: `integer` is CEL int, `number` double, `string` with format
 *   `byte`/`duration`/`date`/`date-time` is bytes/duration/timestamp, int-or-string is dyn;
 * - object properties are reached by their escaped names (`__namespace__`, `foo__dash__bar`),
 *   map keys (additionalProperties) as they are; the resource root also shows `apiVersion`, `kind`
 *   and `metadata.name`/`metadata.generateName`;
 * - functions: CEL standard, the strings extension, the Kubernetes list functions (`isSorted`, `sum`,
 *   `min`, `max`, `indexOf`, `lastIndexOf`) and regex `find`/`findAll`; `optionalOldSelf` gives
 *   `oldSelf.hasValue()`, `oldSelf.value()` and `oldSelf.orValue(x)`.
 * Not available (the real server has them): the `?.` optional syntax, `optional.of/none`, url, ip,
 * cidr, quantity, authz and format libraries, and cost limits.
 */

const reserved = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);
const escapes: Record<string, string> = {
  __: '__underscores__',
  '.': '__dot__',
  '-': '__dash__',
  '/': '__slash__',
};

/** The CEL field name of a schema property (k8s cel.Escape), or undefined when CEL cannot reach it. */
export function escapePropertyName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (reserved.has(name)) return `__${name}__`;
  if (/[^a-zA-Z0-9\-./_]/.test(name)) return undefined;
  return name.replace(/__|[-./]/g, (m) => escapes[m] ?? m);
}

/** Key holding the content of an optional value (`[]` for none, `[v]` for some). */
const optionalKey = '\u0000optional';

/** The `oldSelf` of an `optionalOldSelf` rule: an optional, empty on create. */
export function optionalOf(value: CelInput | undefined): CelInput {
  return new Map<string, CelInput>([[optionalKey, value === undefined ? [] : [value]]]);
}

function optionalContent(m: ReadonlyMap<unknown, CelValue>): CelValue[] {
  const content = m.get(optionalKey);
  if (
    content === undefined ||
    typeof content !== 'object' ||
    content === null ||
    !(Symbol.iterator in content)
  ) {
    throw new Error('no such overload: not an optional value');
  }
  return [...(content as Iterable<CelValue>)];
}

function compare(a: CelValue, b: CelValue): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number'))
    return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error('no such overload: list elements are not comparable');
}

function celEquals(a: CelValue, b: CelValue): boolean {
  try {
    return compare(a, b) === 0;
  } catch {
    return a === b;
  }
}

const dynList = listType(CelScalar.DYN);
const optionalMap = mapType(CelScalar.STRING, CelScalar.DYN);

function extreme(list: Iterable<CelValue>, sign: number, name: string): CelValue {
  const values = [...list];
  if (values.length === 0) throw new Error(`${name} called on empty list`);
  return values.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best));
}

function regexFindAll(s: string, pattern: string, limit: bigint): string[] {
  const found = [...s.matchAll(new RegExp(pattern, 'gu'))].map((m) => m[0]);
  return limit < 0n ? found : found.slice(0, Number(limit));
}

const kubernetesFuncs = [
  celMethod('isSorted', dynList, [], CelScalar.BOOL, function () {
    const values = [...this];
    return values.every((v, i) => i === 0 || compare(values[i - 1] as CelValue, v) <= 0);
  }),
  celMethod('sum', dynList, [], CelScalar.DYN, function () {
    const values = [...this];
    if (values.length === 0) return 0n;
    return values.reduce((acc, v) => {
      if (typeof acc === 'bigint' && typeof v === 'bigint') return acc + v;
      if (typeof acc === 'number' && typeof v === 'number') return acc + v;
      throw new Error('no such overload: sum of mixed or non-numeric elements');
    });
  }),
  celMethod('min', dynList, [], CelScalar.DYN, function () {
    return extreme(this, -1, 'min');
  }),
  celMethod('max', dynList, [], CelScalar.DYN, function () {
    return extreme(this, 1, 'max');
  }),
  celMethod('indexOf', dynList, [CelScalar.DYN], CelScalar.INT, function (x) {
    return BigInt([...this].findIndex((v) => celEquals(v, x)));
  }),
  celMethod('lastIndexOf', dynList, [CelScalar.DYN], CelScalar.INT, function (x) {
    return BigInt([...this].findLastIndex((v) => celEquals(v, x)));
  }),
  celMethod('find', CelScalar.STRING, [CelScalar.STRING], CelScalar.STRING, function (pattern) {
    return regexFindAll(this, pattern, 1n)[0] ?? '';
  }),
  celMethod('findAll', CelScalar.STRING, [CelScalar.STRING], listType(CelScalar.STRING), function (pattern) {
    return regexFindAll(this, pattern, -1n);
  }),
  celMethod(
    'findAll',
    CelScalar.STRING,
    [CelScalar.STRING, CelScalar.INT],
    listType(CelScalar.STRING),
    function (pattern, limit) {
      return regexFindAll(this, pattern, limit);
    },
  ),
  celMethod('hasValue', optionalMap, [], CelScalar.BOOL, function () {
    return optionalContent(this).length > 0;
  }),
  celMethod('value', optionalMap, [], CelScalar.DYN, function () {
    const [v] = optionalContent(this);
    if (v === undefined) throw new Error('optional.none() dereference');
    return v;
  }),
  celMethod('orValue', optionalMap, [CelScalar.DYN], CelScalar.DYN, function (other) {
    return optionalContent(this)[0] ?? other;
  }),
];

/** A fresh environment for CRD rules; cheap enough to build per admission. */
export function kubernetesCelEnv(): CelEnv {
  return celEnv({ funcs: [...strings, ...kubernetesFuncs] });
}

/** A CEL literal built by CEL itself (timestamps, durations), or the raw string when it does not parse. */
function celLiteral(fn: 'timestamp' | 'duration', s: string): CelInput {
  const r = run(`${fn}(s)`, { s });
  return isCelError(r) ? s : r;
}

function generic(v: unknown): CelInput {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(generic);
  if (isObject(v)) return new Map(Object.entries(v).map(([k, x]) => [k, generic(x)]));
  return v as CelInput;
}

function stringValue(v: string, format: string | undefined): CelInput {
  switch (format) {
    case 'byte':
      return Uint8Array.from(Buffer.from(v, 'base64'));
    case 'duration':
      return celLiteral('duration', v);
    case 'date':
      return celLiteral('timestamp', `${v}T00:00:00Z`);
    case 'date-time':
    case 'datetime':
      return celLiteral('timestamp', v);
    default:
      return v;
  }
}

function objectValue(v: Record<string, unknown>, s: JSONSchemaProps, root: boolean): CelInput {
  const out = new Map<string, CelInput>();
  const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  if (root || s['x-kubernetes-embedded-resource'] === true) {
    for (const k of ['apiVersion', 'kind']) if (typeof v[k] === 'string') out.set(k, v[k]);
    const meta = isObject(v.metadata) ? v.metadata : {};
    out.set(
      'metadata',
      new Map(
        ['name', 'generateName']
          .filter((k) => typeof meta[k] === 'string')
          .map((k) => [k, meta[k] as string]),
      ),
    );
  }
  for (const [k, x] of Object.entries(v)) {
    const prop = s.properties?.[k];
    if (prop !== undefined) {
      const name = escapePropertyName(k);
      if (name !== undefined && !(out.has(name) && (root || s['x-kubernetes-embedded-resource'] === true)))
        out.set(name, toCelValue(x, prop));
    } else if (extra !== undefined) {
      out.set(k, toCelValue(x, extra));
    } else if (s['x-kubernetes-preserve-unknown-fields'] === true && !out.has(k)) {
      out.set(k, generic(x));
    }
  }
  return out;
}

/** The CEL value of a JSON value under its schema; `root` adds the resource's type and object meta. */
export function toCelValue(v: unknown, s: JSONSchemaProps | undefined, root = false): CelInput {
  if (v === null || v === undefined) return null;
  if (s === undefined || s['x-kubernetes-int-or-string'] === true) return generic(v);
  if (typeof v === 'string' && s.type === 'string') return stringValue(v, s.format);
  if (typeof v === 'number' && s.type === 'number') return v;
  const items = s.items;
  if (Array.isArray(v) && items !== undefined) return v.map((x) => toCelValue(x, items));
  if (isObject(v) && (s.properties !== undefined || s.additionalProperties !== undefined || root))
    return objectValue(v, s, root);
  return generic(v);
}
