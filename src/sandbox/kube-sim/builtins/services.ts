import type { PermissiveKind } from './permissive-kind.ts';

/** core/v1 Service, stored as sent: no cluster IP or node port is allocated, no endpoints exist. */
export const services: PermissiveKind = {
  group: '',
  version: 'v1',
  plural: 'services',
  singular: 'service',
  kind: 'Service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  status: true,
  description:
    'Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
  fields: {
    spec: {
      shape: 'object',
      description: 'Spec defines the behavior of a service.',
    },
    status: {
      shape: 'object',
      description: 'Most recently observed status of the service.',
    },
  },
};
