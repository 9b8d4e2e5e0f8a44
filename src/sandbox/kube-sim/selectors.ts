import { badRequest } from './errors.ts';

/**
 * Label and field selectors with the syntax of k8s.io/apimachinery `labels.Parse` and
 * `fields.ParseSelector`. A selector that does not parse is a 400, as on the real server.
 */

type LabelOperator = 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed label selector; `matches` takes an object's `metadata.labels`. */
export interface LabelSelector {
  matches(labels: Record<string, string> | undefined): boolean;
}

const qualifiedName =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function requirementError(why: string): never {
  throw badRequest(`unable to parse requirement: ${why}`);
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim());
}

function checkKey(key: string): string {
  if (!qualifiedName.test(key) || key.length > 316) {
    requirementError(
      `key: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
    );
  }
  return key;
}

function checkValue(value: string): string {
  if (!labelValue.test(value) || value.length > 63) {
    requirementError(
      `values[0]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`,
    );
  }
  return value;
}

function parseRequirement(term: string): LabelRequirement {
  let m = /^!\s*(\S+)$/.exec(term);
  if (m?.[1] !== undefined) return { key: checkKey(m[1]), operator: '!', values: [] };
  m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
    const values = m[3].split(',').map((v) => checkValue(v.trim()));
    return { key: checkKey(m[1]), operator: m[2] === 'in' ? 'in' : 'notin', values };
  }
  m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(term);
  if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
    const key = checkKey(m[1]);
    const value = m[3];
    switch (m[2]) {
      case '>':
      case '<':
        if (!/^-?\d+$/.test(value))
          requirementError(`for 'Gt', 'Lt' operators, the value must be an integer`);
        return { key, operator: m[2] === '>' ? 'gt' : 'lt', values: [value] };
      case '!=':
        return { key, operator: 'notin', values: [checkValue(value)] };
      default:
        return { key, operator: 'in', values: [checkValue(value)] };
    }
  }
  if (/^\S+$/.test(term)) return { key: checkKey(term), operator: 'exists', values: [] };
  return requirementError(`found '${term}', expected: identifier`);
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'in':
      return has && r.values.includes(value ?? '');
    case 'notin':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value ?? '')) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'gt' ? n > bound : n < bound;
    }
  }
}

/** Parses a `labelSelector` query value; empty or absent selects everything. */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  const requirements = text === undefined || text.trim() === '' ? [] : splitTerms(text).map(parseRequirement);
  return { matches: (labels) => requirements.every((r) => requirementMatches(r, labels ?? {})) };
}

interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

/** A parsed field selector; the caller supplies the object's field labels (e.g. `metadata.name`). */
export interface FieldSelector {
  /** The fields the selector names, so the caller can reject ones its resource does not support. */
  readonly fields: string[];
  matches(fieldLabels: Record<string, string>): boolean;
}

/** Splits on unescaped `sep`, keeping escapes for the next stage. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '\\') {
      current += ch + (text[i + 1] ?? '');
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeFieldValue(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

function parseFieldTerm(term: string): FieldRequirement {
  for (const op of ['!=', '==', '=']) {
    const index = term.indexOf(op);
    if (index > 0) {
      return {
        field: term.slice(0, index).trim(),
        negate: op === '!=',
        value: unescapeFieldValue(term.slice(index + op.length)),
      };
    }
  }
  throw badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
}

/** Parses a `fieldSelector` query value; empty or absent selects everything. */
export function parseFieldSelector(text: string | undefined): FieldSelector {
  const requirements =
    text === undefined || text.trim() === '' ? [] : splitUnescaped(text, ',').map((t) => parseFieldTerm(t));
  return {
    fields: requirements.map((r) => r.field),
    matches: (labels) => requirements.every((r) => ((labels[r.field] ?? '') === r.value) !== r.negate),
  };
}
