import type { PermissiveKind } from './permissive-kind.ts';

/** core/v1 ConfigMap, stored as sent: keys, sizes and immutability are not checked. */
export const configMaps: PermissiveKind = {
  group: '',
  version: 'v1',
  plural: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  namespaced: true,
  shortNames: ['cm'],
  description: 'ConfigMap holds configuration data for pods to consume.',
  fields: {
    binaryData: {
      shape: 'stringMap',
      description: 'BinaryData contains the binary data.',
    },
    data: {
      shape: 'stringMap',
      description: 'Data contains the configuration data.',
    },
    immutable: {
      shape: 'boolean',
      description:
        'Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).',
    },
  },
};
