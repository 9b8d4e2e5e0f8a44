import type { BuiltinColumn } from './builtin-table.ts';
import { builtinTable } from './builtin-table.ts';
import type { FieldError } from './errors.ts';
import { badRequest } from './errors.ts';
import type { KubeObject, NameRule } from './object-meta.ts';
import { isRecord } from './object-meta.ts';
import type { Admission, FieldValidation, ResourceType } from './resource-type.ts';
import { metadataFieldLabels, withTypeMeta } from './resource-type.ts';
import { admitCustomResource } from './schema/validate.ts';
import type { JSONSchemaProps } from './schema/types.ts';

/**
 * Built-in kinds. A definition lists what differs between them (names, schema, printer columns,
 * strategy hooks); `builtinType` turns it into a ResourceType. Built-ins are typed Go structs on the
 * real server, so their unknown fields are dropped and their timestamps are reformatted on decode.
 */

/** A `metav1.Time` (RFC 3339, seconds) or `metav1.MicroTime` (exactly 6 fractional digits) field. */
export interface TimeField {
  path: string[];
  micro: boolean;
}

export interface BuiltinDefinition {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  statusSubresource?: boolean;
  bucket: string;
  generation?: boolean;
  allowUnconditionalUpdate?: boolean;
  returnDeletedObject?: boolean;
  nameRule?: NameRule;
  /** The kind's fields besides apiVersion, kind and metadata. */
  schema: JSONSchemaProps;
  timeFields?: TimeField[];
  columns: BuiltinColumn[];
  extraFieldLabels?: (obj: KubeObject) => Record<string, string>;
  /** Stored form to served form and back, for kinds stored under another version's shape. */
  convert?: { toServed(stored: KubeObject): KubeObject; toStored(served: KubeObject): KubeObject };
  prepareForCreate?: (obj: KubeObject) => void;
  prepareForUpdate?: (obj: KubeObject, old: KubeObject) => void;
  /** Kind-specific validation (after pruning and time decoding). */
  validate?: (obj: KubeObject, old: KubeObject | undefined) => FieldError[];
}

export const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const rfc3339Micro = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;

/** Decodes a time the way Go's layouts do; returns the re-encoded (UTC) text. */
function decodeTime(value: string, micro: boolean): string | undefined {
  const match = (micro ? rfc3339Micro : rfc3339).exec(value);
  if (match === null) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  const seconds = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '');
  return micro ? `${seconds}.${match[7] ?? '000000'}Z` : `${seconds}Z`;
}

function timeError(kind: string, version: string, value: string, micro: boolean): never {
  const layout = micro ? '2006-01-02T15:04:05.000000Z07:00' : '2006-01-02T15:04:05Z07:00';
  // Go reports the unparsed rest of the value and the layout element it failed on.
  const seconds = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.exec(value);
  const [rest, element] =
    micro && seconds !== null ? [value.slice(seconds[0].length), '.000000'] : [value, layout.slice(0, 4)];
  throw badRequest(
    `${kind} in version "${version}" cannot be handled as a ${kind}: parsing time ${JSON.stringify(value)} as "${layout}": cannot parse ${JSON.stringify(rest)} as "${element}"`,
  );
}

function normalizeTimes(obj: KubeObject, def: BuiltinDefinition): void {
  for (const field of def.timeFields ?? []) {
    let parents: unknown[] = [obj];
    const last = field.path[field.path.length - 1] ?? '';
    for (const step of field.path.slice(0, -1)) {
      parents = parents.flatMap((p): unknown[] => {
        const v = isRecord(p) ? p[step] : undefined;
        return Array.isArray(v) ? (v as unknown[]) : [v];
      });
    }
    for (const parent of parents) {
      if (!isRecord(parent) || parent[last] === undefined) continue;
      const value = parent[last];
      if (value === null) {
        Reflect.deleteProperty(parent, last);
        continue;
      }
      const decoded = typeof value === 'string' ? decodeTime(value, field.micro) : undefined;
      if (decoded === undefined)
        timeError(
          def.kind,
          def.version,
          typeof value === 'string' ? value : JSON.stringify(value),
          field.micro,
        );
      parent[last] = decoded;
    }
  }
}

/** Go's JSON decoding error for a wrongly typed field, as a typed built-in reports it. */
function typeError(def: BuiltinDefinition, cause: { field: string; message: string }): never {
  throw badRequest(
    `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal into Go struct field ${def.kind}.${cause.field}: ${cause.message}`,
  );
}

export function builtinType(def: BuiltinDefinition): ResourceType {
  const schema: JSONSchemaProps = { ...def.schema, type: 'object' };
  const admit = (input: {
    obj: KubeObject;
    oldObj?: KubeObject;
    fieldValidation: FieldValidation;
  }): Admission => {
    const obj = structuredClone(input.obj);
    normalizeTimes(obj, def);
    const result = admitCustomResource({
      schema,
      obj,
      ...(input.oldObj ? { oldObj: input.oldObj } : {}),
      fieldValidation: 'Warn',
    });
    const typeCause = result.causes.find((c) => c.reason === 'FieldValueTypeInvalid');
    if (typeCause !== undefined) typeError(def, typeCause);
    const errors: FieldError[] = [...result.causes, ...(def.validate?.(result.obj, input.oldObj) ?? [])];
    return { obj: result.obj, errors, unknownFields: result.unknownFields };
  };
  return {
    group: def.group,
    version: def.version,
    plural: def.plural,
    singular: def.singular,
    kind: def.kind,
    listKind: `${def.kind}List`,
    namespaced: def.namespaced,
    shortNames: def.shortNames ?? [],
    categories: def.categories ?? [],
    verbs: def.verbs ?? allVerbs,
    statusSubresource: def.statusSubresource ?? false,
    bucket: def.bucket,
    generation: def.generation ?? false,
    allowUnconditionalUpdate: def.allowUnconditionalUpdate ?? true,
    returnDeletedObject: def.returnDeletedObject ?? false,
    nameRule: def.nameRule ?? 'dns1123Subdomain',
    typed: true,
    schema,
    fieldLabels: (obj) => ({
      ...metadataFieldLabels(obj, def.namespaced),
      ...(def.extraFieldLabels?.(obj) ?? {}),
    }),
    toServed: (stored) => withTypeMeta(def.convert ? def.convert.toServed(stored) : stored, def),
    toStored: (served) => (def.convert ? def.convert.toStored(served) : withTypeMeta(served, def)),
    prepareForCreate: (obj) => def.prepareForCreate?.(obj),
    prepareForUpdate: (obj, old) => def.prepareForUpdate?.(obj, old),
    admit,
    table: (objects, options) => builtinTable(def.columns, objects, options),
  };
}
