import { badRequest } from './errors.ts';
import {
  LabelSelectorError,
  parseLabelSelector as parseSelector,
  type LabelSelector,
} from '../../util/label-selector.ts';

export type { LabelSelector };

/**
 * Label and field selectors with the syntax of k8s.io/apimachinery `labels.Parse` and
 * `fields.ParseSelector`. A selector that does not parse is a 400, as on the real server.
 */

/** Parses a `labelSelector` query value; empty or absent selects everything. */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  try {
    return parseSelector(text);
  } catch (error) {
    throw error instanceof LabelSelectorError ? badRequest(error.message) : error;
  }
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
