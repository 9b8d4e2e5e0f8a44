import type { PermissiveKind } from './permissive-kind.ts';

/** rbac.authorization.k8s.io/v1 ClusterRole, stored as sent: nothing is authorized by it. */
export const clusterRoles: PermissiveKind = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'clusterroles',
  singular: 'clusterrole',
  kind: 'ClusterRole',
  namespaced: false,
  description:
    'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.',
  fields: {
    aggregationRule: {
      shape: 'object',
      description:
        'AggregationRule is an optional field that describes how to build the Rules for this ClusterRole.',
    },
    rules: {
      shape: 'objects',
      description: 'Rules holds all the PolicyRules for this ClusterRole',
    },
  },
};
