import type { PermissiveKind } from './permissive-kind.ts';

/**
 * apps/v1 Deployment, stored as sent (no defaulting): generation follows spec changes, but no
 * controller runs, so no ReplicaSets or Pods exist and status stays whatever was written to it.
 */
export const deployments: PermissiveKind = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  singular: 'deployment',
  kind: 'Deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  status: true,
  generation: true,
  description: 'Deployment enables declarative updates for Pods and ReplicaSets.',
  fields: {
    spec: {
      shape: 'object',
      description: 'Specification of the desired behavior of the Deployment.',
    },
    status: {
      shape: 'object',
      description: 'Most recently observed status of the Deployment.',
    },
  },
};
