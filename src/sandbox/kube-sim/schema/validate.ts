import { validateCelRules } from './celrules.ts';
import { applyDefaults } from './defaults.ts';
import { validateEmbeddedResources } from './embedded.ts';
import { invalid, toCauses } from './fielderrors.ts';
import type { Cause, FieldError } from './fielderrors.ts';
import { goQuote } from './gofmt.ts';
import { validateListTypes } from './listtype.ts';
import { pruneUnknownFields } from './prune.ts';
import { validateAgainstSchema } from './schemavalidator.ts';
import type { JSONSchemaProps } from './types.ts';

export type { Cause } from './fielderrors.ts';
export { formatInvalidMessage, formatStrictDecodingMessage } from './fielderrors.ts';
export { applyDefaults } from './defaults.ts';

/** What admitCustomResource decided. */
export interface AdmitResult {
  /** The object as the server would store it: a pruned and defaulted copy of the input. */
  obj: Record<string, unknown>;
  /** 422 StatusCauses, in the server's order; empty when the object is valid. */
  causes: Cause[];
  /** `Warning` header texts: unknown fields under `Warn`, ratcheted rule failures on update. */
  warnings: string[];
  /**
   * Paths of the fields pruning dropped (`spec.foo`, `spec.items[0].bar`), sorted, whatever the
   * `fieldValidation`. Under `Strict` the real server rejects such a request with 400 BadRequest
   * before validating (formatStrictDecodingMessage gives its message) and no 422 is due; the
   * caller decides that, as it owns the status code.
   */
  unknownFields: string[];
}

/** Inputs of admitCustomResource. */
export interface AdmitInput {
  /** The version's `schema.openAPIV3Schema`. */
  schema: JSONSchemaProps;
  /** The decoded request body; not modified. */
  obj: Record<string, unknown>;
  /** The stored object on update (enables transition rules and ratcheting); absent on create. */
  oldObj?: Record<string, unknown>;
  /** The request's `fieldValidation`; the real server's default is `Warn`. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

const blockingTypes = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);
const notChecked =
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (s === undefined) return false;
  if ((s['x-kubernetes-validations'] ?? []).length > 0) return true;
  const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  return hasRules(s.items) || hasRules(extra) || Object.values(s.properties ?? {}).some(hasRules);
}

/**
 * Admits a custom resource body the way kube-apiserver does for a CRD version: prunes unknown
 * fields, drops non-nullable nulls and applies defaults, then validates: OpenAPI schema (types,
 * formats, enum, bounds, pattern, lengths, required, nullable, int-or-string), embedded resources,
 * list-type set/map uniqueness, and finally the CEL `x-kubernetes-validations` — unless an earlier
 * error is of a blocking kind (unsupported value, required, too long, too many, wrong type), in
 * which case the server reports `<nil>: Invalid value: null: some validation rules were not
 * checked ...` instead. On update (`oldObj`), transition rules see `oldSelf` and validation ratchets
 * unchanged values. Root `apiVersion`, `kind` and `metadata` are the caller's (name, namespace,
 * labels... validation and metadata pruning are not done here).
 *
 * Build the 422 message with formatInvalidMessage; see AdmitResult.unknownFields for `Strict`.
 */
export function admitCustomResource(input: AdmitInput): AdmitResult {
  const { schema, oldObj } = input;
  const obj = structuredClone(input.obj);
  const unknownFields = pruneUnknownFields(obj, schema);
  applyDefaults(obj, schema);

  const errors: FieldError[] = [
    ...validateAgainstSchema(obj, schema, oldObj),
    ...validateEmbeddedResources(obj, schema),
  ];
  // Like the server, list invariants already broken in the stored object are not enforced on update.
  if (oldObj === undefined || validateListTypes(oldObj, schema).length === 0)
    errors.push(...validateListTypes(obj, schema));

  const warnings =
    (input.fieldValidation ?? 'Warn') === 'Warn'
      ? unknownFields.map((f) => `unknown field ${goQuote(f)}`)
      : [];
  if (hasRules(schema)) {
    if (errors.some((e) => blockingTypes.has(e.type))) {
      errors.push(invalid('<nil>', null, notChecked));
    } else {
      const cel = validateCelRules(obj, schema, oldObj);
      errors.push(...cel.errors);
      warnings.push(...cel.warnings);
    }
  }
  return { obj, causes: toCauses(errors), warnings, unknownFields };
}
