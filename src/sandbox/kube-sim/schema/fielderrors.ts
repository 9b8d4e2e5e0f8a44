import { goNumber, goQuote, goSyntax } from './gofmt.ts';

/**
 * Field errors as k8s.io/apimachinery/pkg/util/validation/field builds them, and the texts the
 * apiserver derives from them: a 422 StatusCause is `{reason: type, message: ErrorBody(), field}`
 * and the Status message joins `field: ErrorBody()` strings (api/errors.NewInvalid).
 */

/** The `reason` of a StatusCause (field.ErrorType). */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError';

/** A StatusCause of a 422 Invalid response. */
export interface Cause {
  reason: string;
  message: string;
  field: string;
}

/** Marks a field error whose bad value the real server leaves out of the message. */
export const omitValue: unique symbol = Symbol('omitValue');

/** One field error before rendering. `field` is `<nil>` for errors not tied to a field, as in Go. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  badValue: unknown;
  detail: string;
}

const typeText: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
};

const valueless = new Set<FieldErrorType>([
  'FieldValueRequired',
  'FieldValueForbidden',
  'FieldValueTooLong',
  'InternalError',
]);

/** field.Error.ErrorBody(): the message without the field name. */
export function errorBody(e: FieldError): string {
  let s = typeText[e.type];
  if (!valueless.has(e.type) && e.badValue !== omitValue) s += `: ${renderBadValue(e.badValue)}`;
  return e.detail === '' ? s : `${s}: ${e.detail}`;
}

function renderBadValue(v: unknown): string {
  // field.Error renders a nil bad value as a bare null in the Kubernetes we test against (1.37);
  // older releases quoted it.
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  return goSyntax(v);
}

/** Renders field errors as 422 StatusCauses, in order and without removing duplicates (as the server). */
export function toCauses(errors: FieldError[]): Cause[] {
  return errors.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }));
}

export const required = (field: string, detail = ''): FieldError => ({
  type: 'FieldValueRequired',
  field,
  badValue: '',
  detail,
});
export const invalid = (field: string, badValue: unknown, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  badValue,
  detail,
});
export const typeInvalid = (field: string, badValue: unknown, detail: string): FieldError => ({
  type: 'FieldValueTypeInvalid',
  field,
  badValue,
  detail,
});
export const duplicate = (field: string, badValue: unknown): FieldError => ({
  type: 'FieldValueDuplicate',
  field,
  badValue,
  detail: '',
});
export const forbidden = (field: string, detail: string): FieldError => ({
  type: 'FieldValueForbidden',
  field,
  badValue: '',
  detail,
});

export function notSupported(field: string, badValue: unknown, validValues: string[]): FieldError {
  const detail = validValues.length > 0 ? `supported values: ${validValues.map(goQuote).join(', ')}` : '';
  return { type: 'FieldValueNotSupported', field, badValue, detail };
}

export function tooLong(field: string, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} bytes` : 'value is too long';
  return { type: 'FieldValueTooLong', field, badValue: '<value omitted>', detail };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} items` : 'too many items';
  return { type: 'FieldValueTooMany', field, badValue: actual >= 0 ? actual : omitValue, detail };
}

/** field.Path rendering: `a.b`, `a[0]`, `a[key]`; the empty path is the root. */
export const child = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);
export const index = (path: string, i: number): string => `${path}[${i}]`;
export const key = (path: string, k: string): string => `${path}[${k}]`;

/**
 * The message of the real server's 422 Invalid Status, e.g.
 * `PipelineRunNode.paiflow.dev "x" is invalid: [spec.depth: Invalid value: 11: ..., spec.type: ...]`.
 * `qualifiedKind` is `Kind.group` (just `Kind` for the core group). Identical cause lines are
 * shown once; a single one is shown without brackets (utilerrors.Aggregate).
 */
export function formatInvalidMessage(qualifiedKind: string, name: string, causes: Cause[]): string {
  const head = `${qualifiedKind} ${goQuote(name)} is invalid`;
  const lines = [...new Set(causes.map((c) => `${c.field}: ${c.message}`))];
  if (lines.length === 0) return head;
  return lines.length === 1 ? `${head}: ${lines[0] ?? ''}` : `${head}: [${lines.join(', ')}]`;
}

/**
 * The message of the real server's 400 BadRequest for unknown fields under `fieldValidation=Strict`,
 * e.g. `PipelineRunNode in version "v1alpha1" cannot be handled as a PipelineRunNode: strict decoding
 * error: unknown field "spec.foo"`. `unknownFields` as returned by admitCustomResource (sorted).
 */
export function formatStrictDecodingMessage(kind: string, version: string, unknownFields: string[]): string {
  const detail = unknownFields.map((f) => `unknown field ${goQuote(f)}`).join(', ');
  return `${kind} in version ${goQuote(version)} cannot be handled as a ${kind}: strict decoding error: ${detail}`;
}
