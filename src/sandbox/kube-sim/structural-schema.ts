import { isRecord } from './object-meta.ts';

/**
 * The parts of an OpenAPI v3 (CRD structural) schema that decide how server-side apply and
 * strategic merge treat a value: struct vs free map, atomic vs granular, and list types.
 */
export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: boolean | StructuralSchema;
  items?: StructuralSchema;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

/** How a value at some path merges and is owned (structured-merge-diff's schema kinds). */
export type SchemaNode =
  | { kind: 'scalar' }
  | { kind: 'atomic' }
  | { kind: 'struct'; fields: Record<string, StructuralSchema | undefined>; rest: SchemaNode | undefined }
  | { kind: 'map'; element: SchemaNode }
  | { kind: 'set' }
  | { kind: 'mapList'; keys: string[]; element: SchemaNode }
  | { kind: 'deduced' };

const objectMetaSchema: StructuralSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer' },
    creationTimestamp: { type: 'string' },
    deletionTimestamp: { type: 'string' },
    deletionGracePeriodSeconds: { type: 'integer' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    ownerReferences: {
      type: 'array',
      items: { type: 'object', 'x-kubernetes-map-type': 'atomic' },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
    },
    managedFields: { type: 'array', items: { type: 'object' } },
  },
};

/** The root schema of an object: apiVersion, kind, ObjectMeta plus the kind's own fields. */
export function objectSchema(kindSchema: StructuralSchema | undefined): StructuralSchema {
  return {
    ...(kindSchema ?? { 'x-kubernetes-preserve-unknown-fields': true }),
    type: 'object',
    properties: {
      ...(kindSchema?.properties ?? {}),
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: objectMetaSchema,
    },
  };
}

/** Classifies a schema (undefined means unknown: structured-merge-diff "deduces" from the value). */
export function schemaNode(schema: StructuralSchema | undefined): SchemaNode {
  if (schema === undefined) return { kind: 'deduced' };
  if (schema['x-kubernetes-int-or-string'] === true) return { kind: 'scalar' };
  const type = schema.type ?? (schema.properties !== undefined ? 'object' : undefined);
  if (type === 'array') {
    switch (schema['x-kubernetes-list-type']) {
      case 'set':
        return { kind: 'set' };
      case 'map':
        return {
          kind: 'mapList',
          keys: schema['x-kubernetes-list-map-keys'] ?? [],
          element: schemaNode(schema.items),
        };
      default:
        return { kind: 'atomic' };
    }
  }
  if (type === 'object') {
    if (schema['x-kubernetes-map-type'] === 'atomic') return { kind: 'atomic' };
    if (schema.properties !== undefined || schema['x-kubernetes-embedded-resource'] === true) {
      const rest = isRecord(schema.additionalProperties)
        ? schemaNode(schema.additionalProperties)
        : schema['x-kubernetes-preserve-unknown-fields'] === true
          ? { kind: 'deduced' as const }
          : undefined;
      return { kind: 'struct', fields: schema.properties ?? {}, rest };
    }
    if (isRecord(schema.additionalProperties))
      return { kind: 'map', element: schemaNode(schema.additionalProperties) };
    return { kind: 'deduced' };
  }
  if (type === undefined && schema['x-kubernetes-preserve-unknown-fields'] === true)
    return { kind: 'deduced' };
  return { kind: 'scalar' };
}

/** The node of a value found under `key` of a struct or map node, and whether the key is a declared field. */
export function childNode(node: SchemaNode, key: string): { node: SchemaNode; declared: boolean } {
  switch (node.kind) {
    case 'struct':
      if (Object.hasOwn(node.fields, key)) return { node: schemaNode(node.fields[key]), declared: true };
      return { node: node.rest ?? { kind: 'deduced' }, declared: false };
    case 'map':
      return { node: node.element, declared: false };
    default:
      return { node: { kind: 'deduced' }, declared: false };
  }
}

/** A deduced node resolved against the value it describes. */
export function resolveNode(node: SchemaNode, value: unknown): SchemaNode {
  if (node.kind !== 'deduced') return node;
  if (isRecord(value)) return { kind: 'map', element: { kind: 'deduced' } };
  if (Array.isArray(value)) return { kind: 'atomic' };
  return { kind: 'scalar' };
}
