import { isDeepStrictEqual } from 'node:util';
import { nameColumn } from '../builtin-table.ts';
import type { BuiltinDefinition } from '../builtin-type.ts';
import type { FieldError } from '../errors.ts';
import type { KubeObject } from '../object-meta.ts';
import {
  forbiddenValue,
  invalidValue,
  isRecord,
  metadataOf,
  requiredValue,
  stringField,
  validateName,
} from '../object-meta.ts';
import type { CustomResourceDefinition } from '../schema/types.ts';

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition. Its status (accepted names, Established,
 * storedVersions) is what the real CRD controllers write moments after a change; kube-sim writes
 * it in the same request, so a CRD is Established as soon as it is created.
 */

/** The finalizer the real server adds when a CRD is deleted, removed once its objects are gone. */
export const crdCleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function defaultSpec(obj: KubeObject): void {
  const spec = record(obj.spec);
  const names = record(spec.names);
  if (typeof names.kind === 'string' && names.kind !== '') {
    if (typeof names.singular !== 'string' || names.singular === '')
      names.singular = names.kind.toLowerCase();
    if (typeof names.listKind !== 'string' || names.listKind === '') names.listKind = `${names.kind}List`;
  }
  spec.names = names;
  if (!isRecord(spec.conversion)) spec.conversion = { strategy: 'None' };
  obj.spec = spec;
}

function condition(
  type: string,
  reason: string,
  message: string,
  previous: unknown[],
  now: string,
): Record<string, unknown> {
  const old = previous.find((c) => isRecord(c) && c.type === type);
  const lastTransitionTime =
    isRecord(old) && old.status === 'True' && typeof old.lastTransitionTime === 'string'
      ? old.lastTransitionTime
      : now;
  return { type, status: 'True', lastTransitionTime, reason, message };
}

/** The status the CRD controllers would settle on for `obj`. */
function settledStatus(obj: KubeObject, old: KubeObject | undefined): Record<string, unknown> {
  const spec = record(obj.spec);
  const oldStatus = record(old?.status);
  const previous = Array.isArray(oldStatus.conditions) ? oldStatus.conditions : [];
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
  const storage = versions.find((v) => v.storage === true)?.name;
  const stored = Array.isArray(oldStatus.storedVersions)
    ? oldStatus.storedVersions.filter((v) => typeof v === 'string')
    : [];
  if (typeof storage === 'string' && !stored.includes(storage)) stored.push(storage);
  return {
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found', previous, now),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted', previous, now),
    ],
    acceptedNames: spec.names,
    storedVersions: stored,
  };
}

function validate(obj: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const spec = record(obj.spec);
  const names = record(spec.names);
  const group = typeof spec.group === 'string' ? spec.group : '';
  const plural = typeof names.plural === 'string' ? names.plural : '';
  const name = stringField(metadataOf(obj), 'name');
  if (group === '') errors.push(requiredValue('spec.group', ''));
  else if (!group.includes('.'))
    errors.push(invalidValue('spec.group', group, 'should be a domain with at least one dot'));
  if (plural === '') errors.push(requiredValue('spec.names.plural', ''));
  else errors.push(...validateName(plural, 'dns1123Label', 'spec.names.plural'));
  if (typeof names.kind !== 'string' || names.kind === '') errors.push(requiredValue('spec.names.kind', ''));
  if (name !== `${plural}.${group}`)
    errors.push(invalidValue('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errors.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`,
    });
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
  if (versions.length === 0)
    errors.push(requiredValue('spec.versions', 'must have exactly one version marked as storage version'));
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    errors.push(
      invalidValue('spec.versions', versions, 'must have exactly one version marked as storage version'),
    );
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const versionName = typeof v.name === 'string' ? v.name : '';
    if (seen.has(versionName))
      errors.push({
        reason: 'FieldValueDuplicate',
        field: `spec.versions[${i}].name`,
        message: `Duplicate value: ${JSON.stringify(versionName)}`,
      });
    seen.add(versionName);
    errors.push(...validateName(versionName, 'dns1123Label', `spec.versions[${i}].name`));
    if (!isRecord(record(v.schema).openAPIV3Schema)) {
      errors.push(requiredValue(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
    }
  });
  errors.push(...validateRootMetadata(versions));
  if (old !== undefined) {
    const oldSpec = record(old.spec);
    if (oldSpec.group !== spec.group)
      errors.push(invalidValue('spec.group', spec.group, 'field is immutable'));
    if (oldSpec.scope !== spec.scope)
      errors.push(invalidValue('spec.scope', spec.scope, 'field is immutable'));
    const oldNames = record(oldSpec.names);
    if (oldNames.plural !== names.plural)
      errors.push(forbiddenValue('spec.names.plural', 'field is immutable'));
  }
  return errors;
}

/**
 * The real server's structural-schema rule for `metadata` at the root: it may restrict only
 * `name` and `generateName` (which the server checks itself); anything else, even a description,
 * is refused, because metadata's schema is implied. When every version has the same schema the
 * server reports it at `spec.validation` (its internal version hoists a shared schema there).
 */
function validateRootMetadata(versions: Array<Record<string, unknown>>): FieldError[] {
  const schemas = versions.map((v) => record(record(v.schema).openAPIV3Schema));
  const [first] = schemas;
  const checked =
    first !== undefined && schemas.every((schema) => isDeepStrictEqual(schema, first))
      ? [{ schema: first, path: 'spec.validation.openAPIV3Schema' }]
      : schemas.map((schema, i) => ({ schema, path: `spec.versions[${i}].schema.openAPIV3Schema` }));
  return checked
    .filter(
      ({ schema }) =>
        isRecord(record(schema.properties).metadata) &&
        !onlyNames(record(record(schema.properties).metadata)),
    )
    .map(({ path }) =>
      forbiddenValue(
        `${path}.properties[metadata]`,
        'must not specify anything other than name and generateName, but metadata is implicitly specified',
      ),
    );
}

function onlyNames(metadata: Record<string, unknown>): boolean {
  const properties = Object.keys(record(metadata.properties));
  const namesOnly =
    properties.length > 0 && properties.every((name) => name === 'name' || name === 'generateName');
  return Object.keys(metadata).every(
    (key) => key === 'type' || key === 'default' || (key === 'properties' && namesOnly),
  );
}

/** The CRD's typed view, once it has passed validation. */
export function asCustomResourceDefinition(obj: KubeObject): CustomResourceDefinition {
  return obj as unknown as CustomResourceDefinition;
}

const schemaProps = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as const;

export const customResourceDefinitions: BuiltinDefinition = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  statusSubresource: true,
  bucket: 'apiextensions.k8s.io/customresourcedefinitions',
  generation: true,
  allowUnconditionalUpdate: false,
  schema: {
    properties: {
      spec: {
        type: 'object',
        properties: {
          group: { type: 'string' },
          names: {
            type: 'object',
            properties: {
              plural: { type: 'string' },
              singular: { type: 'string' },
              kind: { type: 'string' },
              listKind: { type: 'string' },
              shortNames: { type: 'array', items: { type: 'string' } },
              categories: { type: 'array', items: { type: 'string' } },
            },
          },
          scope: { type: 'string' },
          versions: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                served: { type: 'boolean' },
                storage: { type: 'boolean' },
                deprecated: { type: 'boolean' },
                deprecationWarning: { type: 'string' },
                schema: { type: 'object', properties: { openAPIV3Schema: schemaProps } },
                subresources: {
                  type: 'object',
                  properties: {
                    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    scale: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
                additionalPrinterColumns: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      name: { type: 'string' },
                      type: { type: 'string' },
                      format: { type: 'string' },
                      description: { type: 'string' },
                      priority: { type: 'integer' },
                      jsonPath: { type: 'string' },
                    },
                  },
                },
                selectableFields: {
                  type: 'array',
                  items: { type: 'object', properties: { jsonPath: { type: 'string' } } },
                },
              },
            },
          },
          conversion: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          preserveUnknownFields: { type: 'boolean' },
        },
      },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
  columns: [
    nameColumn,
    {
      name: 'Created At',
      type: 'date',
      description:
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
      cell: (obj) => metadataOf(obj).creationTimestamp ?? '',
    },
  ],
  prepareForCreate: (obj) => {
    defaultSpec(obj);
    obj.status = settledStatus(obj, undefined);
  },
  prepareForUpdate: (obj, old) => {
    defaultSpec(obj);
    obj.status = settledStatus(obj, old);
  },
  validate,
};
