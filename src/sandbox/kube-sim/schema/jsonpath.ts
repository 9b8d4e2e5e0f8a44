import { isObject } from './json.ts';

/**
 * The Kubernetes JSONPath dialect (k8s.io/client-go/util/jsonpath) as the apiserver uses it for CRD
 * printer columns: one expression such as `.status.phase`, `.spec.items[*].name`,
 * `.status.conditions[?(@.type=="Ready")].status`, `.metadata.labels.app\.kubernetes\.io/name`,
 * `['key']`, `[0]`, `[-1]`, `[1:3]`, `..name`, `.*`. Missing keys give no result (the server sets
 * AllowMissingKeys); malformed expressions, out-of-range indices, filters on non-lists and
 * comparisons of incompatible types throw, which the table turns into an empty cell.
 * Not supported: `range`/`end` templates and text outside braces (CRD columns never use them).
 */
export function findJsonPathResults(expression: string, data: unknown): unknown[] {
  return evaluate(parse(stripBraces(expression)), [data]);
}

type Node =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'keys'; names: string[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number; single: boolean }
  | { kind: 'filter'; left: Node[]; op: string; right: Node[] | { literal: unknown } };

function stripBraces(expression: string): string {
  const t = expression.trim();
  return t.startsWith('{') && t.endsWith('}') ? t.slice(1, -1) : t;
}

const terminators = new Set([' ', '\t', '\n', '.', ',', '[', ']', '$', '@', '{', '}', '(', ')']);

function parse(text: string): Node[] {
  const nodes: Node[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === ' ' || c === '@' || c === '$') {
      i++;
    } else if (c === '.') {
      i++;
      if (text[i] === '.') {
        nodes.push({ kind: 'recursive' });
        i++;
      }
      let name = '';
      while (i < text.length && !terminators.has(text[i] ?? '')) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        name += text[i] ?? '';
        i++;
      }
      if (name === '*') nodes.push({ kind: 'wildcard' });
      else if (name !== '') nodes.push({ kind: 'field', name });
    } else if (c === '[') {
      const end = closingBracket(text, i);
      nodes.push(parseBracket(text.slice(i + 1, end)));
      i = end + 1;
    } else {
      throw new Error(`unrecognized character in action: ${c}`);
    }
  }
  return nodes;
}

function closingBracket(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0 && c === ']') return i;
    }
  }
  throw new Error('unterminated array');
}

function unquote(s: string): string | undefined {
  const m = /^\s*(['"])((?:\\.|(?!\1).)*)\1\s*$/.exec(s);
  return m === null ? undefined : (m[2] ?? '').replace(/\\(.)/g, '$1');
}

function parseBracket(inner: string): Node {
  const t = inner.trim();
  if (t.startsWith('?(') && t.endsWith(')')) return parseFilter(t.slice(2, -1));
  if (t === '*') return { kind: 'slice', single: false };
  const quoted = t.split(',').map(unquote);
  if (quoted.every((q) => q !== undefined)) return { kind: 'keys', names: quoted };
  const parts = t.split(':').map((p) => p.trim());
  if (parts.length > 3 || parts.some((p) => p !== '' && !/^[-+]?\d+$/.test(p)))
    throw new Error(`invalid array index ${t}`);
  const num = (p: string | undefined): number | undefined =>
    p === undefined || p === '' ? undefined : Number(p);
  if (parts.length === 1) return { kind: 'slice', start: num(parts[0]), single: true };
  return { kind: 'slice', start: num(parts[0]), end: num(parts[1]), step: num(parts[2]), single: false };
}

function parseOperand(text: string): Node[] | { literal: unknown } {
  const t = text.trim();
  const quoted = unquote(t);
  if (quoted !== undefined) return { literal: quoted };
  if (/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return { literal: Number(t) };
  if (t === 'true' || t === 'false') return { literal: t === 'true' };
  return parse(t);
}

function parseFilter(expr: string): Node {
  const m = /^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.*)$/.exec(expr);
  if (m === null) return { kind: 'filter', left: parse(expr.trim()), op: 'exists', right: [] };
  const left = parseOperand(m[1] ?? '');
  if (!Array.isArray(left)) throw new Error('left side of a filter must be a path');
  return { kind: 'filter', left, op: m[2] ?? '', right: parseOperand(m[3] ?? '') };
}

function evaluate(nodes: Node[], input: unknown[]): unknown[] {
  return nodes.reduce((values, node) => step(node, values), input);
}

function descendants(v: unknown): unknown[] {
  const children = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [];
  return [v, ...children.flatMap(descendants)];
}

function step(node: Node, values: unknown[]): unknown[] {
  switch (node.kind) {
    case 'field':
      return values.filter(isObject).flatMap((v) => (node.name in v ? [v[node.name]] : []));
    case 'keys':
      return values.filter(isObject).flatMap((v) => node.names.filter((n) => n in v).map((n) => v[n]));
    case 'wildcard':
      return values.flatMap((v): unknown[] => (Array.isArray(v) ? v : isObject(v) ? Object.values(v) : []));
    case 'recursive':
      return values.flatMap(descendants);
    case 'slice':
      return values.flatMap((v) => slice(node, v));
    case 'filter':
      return values.flatMap((v) => filter(node, v));
  }
}

function slice(node: Extract<Node, { kind: 'slice' }>, v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new Error('not an array or slice');
  const len = v.length;
  const resolve = (x: number | undefined, fallback: number): number =>
    x === undefined ? fallback : x < 0 ? x + len : x;
  const start = resolve(node.start, 0);
  const end = node.single ? start + 1 : resolve(node.end, len);
  // As client-go: asking for zero elements is fine, any other out-of-range bound is an error.
  if (end === start) return [];
  if (start < 0 || start >= len) throw new Error(`array index out of bounds: index ${start}, length ${len}`);
  if (end < 0 || end > len) throw new Error(`array index out of bounds: index ${end - 1}, length ${len}`);
  if (start > end) throw new Error(`starting index ${start} is greater than ending index ${end}`);
  const out: unknown[] = [];
  for (let i = start; i < end; i += node.step ?? 1) out.push(v[i]);
  return out;
}

function ordered<T extends number | string>(op: string, x: T, y: T): boolean {
  return op === '=='
    ? x === y
    : op === '!='
      ? x !== y
      : op === '<'
        ? x < y
        : op === '>'
          ? x > y
          : op === '<='
            ? x <= y
            : x >= y;
}

/** template.Equal/Less semantics: same-typed operands only; booleans only for equality. */
function compare(op: string, a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return ordered(op, a, b);
  if (typeof a === 'string' && typeof b === 'string') return ordered(op, a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean' && (op === '==' || op === '!='))
    return (a === b) === (op === '==');
  throw new Error('incompatible types for comparison');
}

function filter(node: Extract<Node, { kind: 'filter' }>, v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${JSON.stringify(v)} is not array or slice and cannot be filtered`);
  return v.filter((item) => {
    const lefts = evaluate(node.left, [item]);
    if (node.op === 'exists') return lefts.length > 0;
    const rights = Array.isArray(node.right) ? evaluate(node.right, [item]) : [node.right.literal];
    if (lefts.length === 0 || rights.length === 0) return false;
    if (lefts.length > 1 || rights.length > 1) throw new Error('can only compare one element at a time');
    return compare(node.op, lefts[0], rights[0]);
  });
}
