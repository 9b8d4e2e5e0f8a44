import type { PermissiveKind } from './permissive-kind.ts';

/** core/v1 ServiceAccount, stored as sent: no token Secrets are created. */
export const serviceAccounts: PermissiveKind = {
  group: '',
  version: 'v1',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  kind: 'ServiceAccount',
  namespaced: true,
  shortNames: ['sa'],
  description:
    'ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets',
  fields: {
    automountServiceAccountToken: {
      shape: 'boolean',
      description:
        'AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.',
    },
    imagePullSecrets: {
      shape: 'objects',
      description:
        'ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.',
    },
    secrets: {
      shape: 'objects',
      description:
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
    },
  },
};
