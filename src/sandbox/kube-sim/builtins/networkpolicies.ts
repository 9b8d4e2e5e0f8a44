import type { PermissiveKind } from './permissive-kind.ts';

/** networking.k8s.io/v1 NetworkPolicy, stored as sent: nothing enforces it (no network exists). */
export const networkPolicies: PermissiveKind = {
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  kind: 'NetworkPolicy',
  namespaced: true,
  shortNames: ['netpol'],
  generation: true,
  description: 'NetworkPolicy describes what network traffic is allowed for a set of Pods',
  fields: {
    spec: {
      shape: 'object',
      description: 'spec represents the specification of the desired behavior for this NetworkPolicy.',
    },
  },
};
