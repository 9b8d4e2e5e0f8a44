import { ageColumn, nameColumn } from '../builtin-table.ts';
import type { BuiltinDefinition } from '../builtin-type.ts';
import type { FieldError } from '../errors.ts';
import { badRequest } from '../errors.ts';
import type { KubeObject } from '../object-meta.ts';
import { forbiddenValue, invalidValue, isRecord } from '../object-meta.ts';

/**
 * core/v1 Secret: `stringData` is folded into base64 `data` on write (the v1 conversion does it on
 * the real server), `type` defaults to Opaque and is immutable, and `immutable: true` freezes data.
 */

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const dataKey = /^[-._a-zA-Z0-9]+$/;

function foldStringData(obj: KubeObject): void {
  if (isRecord(obj.data)) {
    for (const [key, value] of Object.entries(obj.data)) {
      if (typeof value === 'string' && !base64.test(value)) {
        const bad = value.search(/[^A-Za-z0-9+/=]/);
        const at = bad >= 0 ? bad : value.length;
        throw badRequest(
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`,
        );
      }
      if (value === null) Reflect.deleteProperty(obj.data, key);
    }
  }
  if (isRecord(obj.stringData)) {
    const data = isRecord(obj.data) ? obj.data : {};
    for (const [key, value] of Object.entries(obj.stringData)) {
      data[key] = Buffer.from(typeof value === 'string' ? value : '').toString('base64');
    }
    obj.data = data;
  }
  delete obj.stringData;
  if (typeof obj.type !== 'string' || obj.type === '') obj.type = 'Opaque';
}

function validate(obj: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const data = isRecord(obj.data) ? obj.data : {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    if (!dataKey.test(key)) {
      errors.push(
        invalidValue(
          `data[${key}]`,
          key,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
    }
    size += typeof value === 'string' ? Buffer.from(value, 'base64').length : 0;
  }
  if (size > 1024 * 1024) {
    errors.push({
      reason: 'FieldValueTooLong',
      field: 'data',
      message: 'Too long: must have at most 1048576 bytes',
    });
  }
  if (old !== undefined) {
    if (obj.type !== old.type) errors.push(invalidValue('type', obj.type, 'field is immutable'));
    if (old.immutable === true) {
      if (JSON.stringify(obj.data ?? {}) !== JSON.stringify(old.data ?? {})) {
        errors.push(forbiddenValue('data', 'field is immutable when `immutable` is set'));
      }
      if (obj.immutable !== true)
        errors.push(forbiddenValue('immutable', 'field is immutable when `immutable` is set'));
    }
  }
  return errors;
}

export const secrets: BuiltinDefinition = {
  group: '',
  version: 'v1',
  plural: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  namespaced: true,
  bucket: 'secrets',
  schema: {
    properties: {
      data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
      stringData: { type: 'object', additionalProperties: { type: 'string' } },
      type: { type: 'string' },
      immutable: { type: 'boolean' },
    },
  },
  columns: [
    nameColumn,
    { name: 'Type', type: 'string', description: 'The type of the secret', cell: (obj) => obj.type ?? '' },
    {
      name: 'Data',
      type: 'string',
      description: 'The number of entries in the secret',
      cell: (obj) => (isRecord(obj.data) ? Object.keys(obj.data).length : 0),
    },
    ageColumn,
  ],
  extraFieldLabels: (obj) => ({ type: typeof obj.type === 'string' ? obj.type : '' }),
  prepareForCreate: foldStringData,
  prepareForUpdate: (obj) => {
    foldStringData(obj);
  },
  validate,
};
