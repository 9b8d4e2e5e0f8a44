import { ageColumn, nameColumn } from '../builtin-table.ts';
import type { BuiltinDefinition } from '../builtin-type.ts';
import type { FieldError } from '../errors.ts';
import { invalidValue, isRecord } from '../object-meta.ts';

/** coordination.k8s.io/v1 Lease: acquireTime/renewTime are MicroTime (exactly 6 fractional digits). */

function validate(obj: Record<string, unknown>): FieldError[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const errors: FieldError[] = [];
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    errors.push(
      invalidValue('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'),
    );
  }
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) {
    errors.push(
      invalidValue('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'),
    );
  }
  return errors;
}

export const leases: BuiltinDefinition = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  singular: 'lease',
  kind: 'Lease',
  namespaced: true,
  bucket: 'coordination.k8s.io/leases',
  schema: {
    properties: {
      spec: {
        type: 'object',
        properties: {
          holderIdentity: { type: 'string' },
          leaseDurationSeconds: { type: 'integer', format: 'int32' },
          acquireTime: { type: 'string' },
          renewTime: { type: 'string' },
          leaseTransitions: { type: 'integer', format: 'int32' },
          strategy: { type: 'string' },
          preferredHolder: { type: 'string' },
        },
      },
    },
  },
  timeFields: [
    { path: ['spec', 'acquireTime'], micro: true },
    { path: ['spec', 'renewTime'], micro: true },
  ],
  columns: [
    nameColumn,
    {
      name: 'Holder',
      type: 'string',
      description: 'The holder of the lease',
      cell: (obj) => (isRecord(obj.spec) ? (obj.spec.holderIdentity ?? '') : ''),
    },
    ageColumn,
  ],
  validate,
};
