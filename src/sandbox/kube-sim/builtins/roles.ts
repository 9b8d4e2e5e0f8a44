import type { PermissiveKind } from './permissive-kind.ts';

/** rbac.authorization.k8s.io/v1 Role, stored as sent: nothing is authorized by it. */
export const roles: PermissiveKind = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'roles',
  singular: 'role',
  kind: 'Role',
  namespaced: true,
  description:
    'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.',
  fields: {
    rules: {
      shape: 'objects',
      description: 'Rules holds all the PolicyRules for this Role',
    },
  },
};
