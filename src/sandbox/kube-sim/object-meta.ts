import { randomUUID } from 'node:crypto';
import type { FieldError } from './errors.ts';

/**
 * `metav1.ObjectMeta` rules shared by every kind: which fields exist (others are dropped, as
 * decoding into the Go struct drops them), name and label validation with the real messages,
 * generateName and uid.
 */

/** A Kubernetes object as JSON. */
export type KubeObject = Record<string, unknown>;

/** The metadata fields the real ObjectMeta has; anything else is dropped on write. */
const metadataFields = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object's metadata, created empty when missing so callers can write to it. */
export function metadataOf(obj: KubeObject): Record<string, unknown> {
  if (!isRecord(obj.metadata)) obj.metadata = {};
  return obj.metadata as Record<string, unknown>;
}

export function stringField(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === 'string' ? value : '';
}

export function nameOf(obj: KubeObject): string {
  return stringField(metadataOf(obj), 'name');
}

export function namespaceOf(obj: KubeObject): string {
  return stringField(metadataOf(obj), 'namespace');
}

export function labelsOf(obj: KubeObject): Record<string, string> {
  const labels = metadataOf(obj).labels;
  return isRecord(labels) ? (labels as Record<string, string>) : {};
}

export function finalizersOf(obj: KubeObject): string[] {
  const finalizers = metadataOf(obj).finalizers;
  return Array.isArray(finalizers) ? finalizers.filter((f): f is string => typeof f === 'string') : [];
}

/**
 * Drops metadata fields ObjectMeta does not have, and empty maps/lists Go would omit. Returns the
 * unknown ones (`metadata.foo`), which field validation reports like any other unknown field.
 */
export function pruneMetadata(obj: KubeObject): string[] {
  const meta = metadataOf(obj);
  const unknown = Object.keys(meta)
    .filter((key) => !metadataFields.has(key))
    .map((key) => `metadata.${key}`);
  for (const key of Object.keys(meta)) {
    const value = meta[key];
    const empty =
      value === null ||
      value === '' ||
      (Array.isArray(value) && value.length === 0) ||
      (isRecord(value) && Object.keys(value).length === 0);
    if (!metadataFields.has(key) || (empty && key !== 'creationTimestamp')) Reflect.deleteProperty(meta, key);
  }
  return unknown;
}

const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` plus five random characters, as the real name generator makes them. */
export function generatedName(prefix: string, random: () => number = Math.random): string {
  const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix += generateNameAlphabet[Math.floor(random() * generateNameAlphabet.length)] ?? 'b';
  }
  return base + suffix;
}

export function newUid(): string {
  return randomUUID();
}

/** How Go's `%#v`-style value formatting shows a value inside "Invalid value: ..." messages. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value);
}

export function invalidValue(field: string, value: unknown, why: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}: ${why}` };
}

export function requiredValue(field: string, why: string): FieldError {
  return { reason: 'FieldValueRequired', field, message: `Required value: ${why}` };
}

export function forbiddenValue(field: string, why: string): FieldError {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${why}` };
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Which name rule a kind uses (`NameIsDNSLabel` for namespaces, `NameIsDNSSubdomain` for most). */
export type NameRule = 'dns1123Label' | 'dns1123Subdomain';

export function validateName(name: string, rule: NameRule, field = 'metadata.name'): FieldError[] {
  if (rule === 'dns1123Label') {
    if (name.length > 63) return [invalidValue(field, name, 'must be no more than 63 characters')];
    if (!dns1123Label.test(name)) {
      return [
        invalidValue(
          field,
          name,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ),
      ];
    }
    return [];
  }
  if (name.length > 253) return [invalidValue(field, name, 'must be no more than 253 characters')];
  if (!dns1123Subdomain.test(name)) {
    return [
      invalidValue(
        field,
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    ];
  }
  return [];
}

const labelNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Validates a qualified key (`prefix/name`) as labels and annotations use it. */
function validateQualifiedName(key: string, field: string): FieldError[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const errors: FieldError[] = [];
  if (slash >= 0 && (prefix === '' || prefix.length > 253 || !dns1123Subdomain.test(prefix))) {
    errors.push(invalidValue(field, key, 'prefix part must be a lowercase RFC 1123 subdomain'));
  }
  if (name.length === 0 || name.length > 63 || !labelNamePart.test(name)) {
    errors.push(
      invalidValue(
        field,
        key,
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ),
    );
  }
  return errors;
}

/** ObjectMeta validation common to every kind: name, labels, annotations, finalizers. */
export function validateObjectMeta(
  obj: KubeObject,
  options: { nameRule: NameRule; namespaced: boolean },
): FieldError[] {
  const meta = metadataOf(obj);
  const errors: FieldError[] = [];
  const name = stringField(meta, 'name');
  if (name === '') {
    errors.push(requiredValue('metadata.name', 'name or generateName is required'));
  } else {
    errors.push(...validateName(name, options.nameRule));
  }
  if (options.namespaced && stringField(meta, 'namespace') === '') {
    errors.push(requiredValue('metadata.namespace', ''));
  }
  if (!options.namespaced && stringField(meta, 'namespace') !== '') {
    errors.push(forbiddenValue('metadata.namespace', 'not allowed on this type'));
  }
  if (meta.labels !== undefined && !isRecord(meta.labels)) {
    errors.push(invalidValue('metadata.labels', meta.labels, 'must be a map of strings'));
  }
  for (const [key, value] of Object.entries(labelsOf(obj))) {
    errors.push(...validateQualifiedName(key, 'metadata.labels'));
    if (typeof value !== 'string' || value.length > 63 || !labelValuePattern.test(value)) {
      errors.push(
        invalidValue(
          'metadata.labels',
          value,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
      );
    }
  }
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    errors.push(...validateQualifiedName(key.toLowerCase(), 'metadata.annotations'));
    annotationBytes += key.length + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (annotationBytes > 262144) {
    errors.push({
      reason: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: 'Too long: must have at most 262144 bytes',
    });
  }
  for (const finalizer of finalizersOf(obj)) {
    errors.push(...validateQualifiedName(finalizer, 'metadata.finalizers'));
  }
  return errors;
}
