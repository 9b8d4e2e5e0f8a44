import type { PermissiveKind } from './permissive-kind.ts';
import { bindingFields } from './rolebindings.ts';

/** rbac.authorization.k8s.io/v1 ClusterRoleBinding, stored as sent: nothing is authorized by it. */
export const clusterRoleBindings: PermissiveKind = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  kind: 'ClusterRoleBinding',
  namespaced: false,
  description:
    'ClusterRoleBinding references a ClusterRole, but not contain it. It can reference a ClusterRole in the global namespace, and adds who information via Subject.',
  fields: bindingFields,
};
