import type { PermissiveKind } from './permissive-kind.ts';

/** policy/v1 PodDisruptionBudget, stored as sent: no disruption controller computes its status. */
export const podDisruptionBudgets: PermissiveKind = {
  group: 'policy',
  version: 'v1',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  kind: 'PodDisruptionBudget',
  namespaced: true,
  shortNames: ['pdb'],
  status: true,
  generation: true,
  description:
    'PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods',
  fields: {
    spec: {
      shape: 'object',
      description: 'Specification of the desired behavior of the PodDisruptionBudget.',
    },
    status: {
      shape: 'object',
      description: 'Most recently observed status of the PodDisruptionBudget.',
    },
  },
};
