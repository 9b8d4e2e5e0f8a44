import { ageColumn, nameColumn } from '../builtin-table.ts';
import type { BuiltinDefinition } from '../builtin-type.ts';
import type { KubeObject } from '../object-meta.ts';
import { isRecord, stringField } from '../object-meta.ts';

/** core/v1 Namespace: phase and the `kubernetes` finalizer are server-managed. */

function statusOf(obj: KubeObject): Record<string, unknown> {
  return isRecord(obj.status) ? obj.status : {};
}

export const namespaces: BuiltinDefinition = {
  group: '',
  version: 'v1',
  plural: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  statusSubresource: true,
  bucket: 'namespaces',
  returnDeletedObject: true,
  nameRule: 'dns1123Label',
  schema: {
    properties: {
      spec: { type: 'object', properties: { finalizers: { type: 'array', items: { type: 'string' } } } },
      status: {
        type: 'object',
        properties: {
          phase: { type: 'string' },
          conditions: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                type: { type: 'string' },
                status: { type: 'string' },
                lastTransitionTime: { type: 'string' },
                reason: { type: 'string' },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
  timeFields: [{ path: ['status', 'conditions', 'lastTransitionTime'], micro: false }],
  columns: [
    nameColumn,
    {
      name: 'Status',
      type: 'string',
      description: 'The status of the namespace',
      cell: (obj) => stringField(statusOf(obj), 'phase'),
    },
    ageColumn,
  ],
  extraFieldLabels: (obj) => ({ 'status.phase': stringField(statusOf(obj), 'phase') }),
  prepareForCreate: (obj) => {
    const spec = isRecord(obj.spec) ? obj.spec : {};
    const finalizers = Array.isArray(spec.finalizers) ? (spec.finalizers as unknown[]) : [];
    obj.spec = {
      ...spec,
      finalizers: finalizers.includes('kubernetes') ? finalizers : [...finalizers, 'kubernetes'],
    };
    obj.status = { phase: 'Active' };
  },
  prepareForUpdate: (obj, old) => {
    const spec = isRecord(obj.spec) ? obj.spec : {};
    const oldSpec = isRecord(old.spec) ? old.spec : {};
    obj.spec = { ...spec, finalizers: oldSpec.finalizers };
    obj.status = old.status;
  },
};
