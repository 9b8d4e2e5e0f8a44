import { ageColumn, nameColumn } from '../builtin-table.ts';
import type { BuiltinDefinition } from '../builtin-type.ts';
import type { BuiltinKind } from '../schema/openapibuiltins.ts';
import { gvk, withMeta } from '../schema/openapimeta.ts';
import type { Schema } from '../schema/openapimeta.ts';
import type { JSONSchemaProps } from '../schema/types.ts';

/**
 * Built-in kinds kube-sim stores without checking their content, so that install manifests apply:
 * each top-level field keeps its JSON shape, and everything below it is preserved as sent (no
 * defaulting, no validation, no pruning). One description serves both the stored kind and its
 * OpenAPI; tables show Name and Age only.
 */

/** `object` and `objects` (a list of objects) preserve unknown fields below them. */
export type FieldShape = 'object' | 'objects' | 'string' | 'boolean' | 'stringMap';

export interface PermissiveKind {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** The kind's first description sentence (OpenAPI, `kubectl explain`). */
  description: string;
  /** Top-level fields besides apiVersion, kind and metadata: shape and description. */
  fields: Record<string, { shape: FieldShape; description: string }>;
  /** Whether `status` has its own endpoint (creates drop it; spec changes alone bump generation). */
  status?: boolean;
  generation?: boolean;
}

const preserved = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as const;

function fieldSchema(shape: FieldShape): JSONSchemaProps {
  switch (shape) {
    case 'object':
      return { ...preserved };
    case 'objects':
      return { type: 'array', items: preserved };
    case 'stringMap':
      return { type: 'object', additionalProperties: { type: 'string' } };
    case 'string':
    case 'boolean':
      return { type: shape };
  }
}

const fieldEntries = (k: PermissiveKind): [string, FieldShape, string][] =>
  Object.entries(k.fields).map(([name, f]) => [name, f.shape, f.description]);

/** The stored kind: what the registry serves. */
export function permissiveDefinition(k: PermissiveKind): BuiltinDefinition {
  return {
    group: k.group,
    version: k.version,
    plural: k.plural,
    singular: k.singular,
    kind: k.kind,
    namespaced: k.namespaced,
    ...(k.shortNames ? { shortNames: k.shortNames } : {}),
    ...(k.categories ? { categories: k.categories } : {}),
    statusSubresource: k.status ?? false,
    generation: k.generation ?? false,
    bucket: k.group === '' ? k.plural : `${k.group}/${k.plural}`,
    schema: {
      properties: Object.fromEntries(fieldEntries(k).map(([name, shape]) => [name, fieldSchema(shape)])),
    },
    columns: [nameColumn, ageColumn],
    // Like the real strategies of kinds with a /status endpoint: a create starts with no status.
    ...(k.status === true
      ? {
          prepareForCreate: (obj) => {
            delete obj.status;
          },
        }
      : {}),
  };
}

/** The kind's OpenAPI (component name as the real server's, `io.k8s.api.<group>.<version>.<Kind>`). */
export function permissiveOpenApi(k: PermissiveKind): BuiltinKind {
  const group = k.group === '' ? 'core' : (k.group.split('.')[0] ?? k.group);
  const name = `io.k8s.api.${group}.${k.version}.${k.kind}`;
  const properties: Record<string, Schema> = Object.fromEntries(
    fieldEntries(k).map(([field, shape, description]) => [field, { ...fieldSchema(shape), description }]),
  );
  return {
    group: k.group,
    version: k.version,
    kind: k.kind,
    plural: k.plural,
    namespaced: k.namespaced,
    status: k.status ?? false,
    name,
    schemas: { [name]: withMeta(k.description, properties, gvk(k.group, k.version, k.kind)) },
  };
}
