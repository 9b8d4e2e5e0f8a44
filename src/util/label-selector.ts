/**
 * Label selectors with the syntax of k8s.io/apimachinery `labels.Parse`: `tier=ml`, `env in (a,b)`,
 * `!canary`, `size>3`, comma-separated. kube-sim filters lists and watches with it; `run` checks its
 * --label-selector with it at start, so a selector the API server would refuse never gets that far.
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

/** A label selector that does not parse; the message is the real server's. */
export class LabelSelectorError extends Error {
  override name = 'LabelSelectorError';
}

function requirementError(why: string): never {
  throw new LabelSelectorError(`unable to parse requirement: ${why}`);
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

/**
 * Parses a label selector; empty or absent selects everything. Throws LabelSelectorError with the
 * real server's message when it does not parse.
 */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  const requirements = text === undefined || text.trim() === '' ? [] : splitTerms(text).map(parseRequirement);
  return { matches: (labels) => requirements.every((r) => requirementMatches(r, labels ?? {})) };
}
