import type { PermissiveKind } from './permissive-kind.ts';

/** rbac.authorization.k8s.io/v1 RoleBinding, stored as sent: nothing is authorized by it. */

/** The fields RoleBinding and ClusterRoleBinding share. */
export const bindingFields: PermissiveKind['fields'] = {
  roleRef: {
    shape: 'object',
    description:
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.',
  },
  subjects: {
    shape: 'objects',
    description: 'Subjects holds references to the objects the role applies to.',
  },
};

export const roleBindings: PermissiveKind = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'rolebindings',
  singular: 'rolebinding',
  kind: 'RoleBinding',
  namespaced: true,
  description:
    'RoleBinding references a role, but does not contain it. It can reference a Role in the same namespace or a ClusterRole in the global namespace.',
  fields: bindingFields,
};
