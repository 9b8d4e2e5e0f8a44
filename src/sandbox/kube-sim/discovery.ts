import type { ResourceRegistry, ServedGroup } from './registry.ts';
import type { ResourceType } from './resource-type.ts';

/**
 * The legacy discovery documents (`/api`, `/apis`, `/apis/<group>`, `/api/v1`, `/apis/<g>/<v>`)
 * and `/version`. kubectl asks for aggregated discovery first and falls back to these when the
 * answer is a plain APIGroupList, as it does against servers older than 1.26.
 */

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

/**
 * What kube-sim's `/version` says by default: the Kubernetes release the tests run as the real API
 * server (test/kube-apiserver builds it), so that kubectl and client-node see the same server version
 * on both, and kube-sim's behaviour is measured against that release (npm run kube-sim:conformance).
 */
export const KUBE_SIM_VERSION: ServerVersion = { major: '1', minor: '37', gitVersion: 'v1.37.2' };

export function versionDocument(version: ServerVersion): Record<string, unknown> {
  return {
    major: version.major,
    minor: version.minor,
    gitVersion: version.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDocument(group: ServedGroup): Record<string, unknown> {
  const versions = group.versions.map((v) => ({ groupVersion: `${group.name}/${v}`, version: v }));
  return { name: group.name, versions, preferredVersion: versions[0] };
}

export function groupList(registry: ResourceRegistry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups()
      .filter((g) => g.name !== '')
      .map(groupDocument),
  };
}

export function groupInfo(registry: ResourceRegistry, name: string): Record<string, unknown> | undefined {
  const group = registry.groups().find((g) => g.name === name && name !== '');
  return group === undefined ? undefined : { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group) };
}

function resourceEntries(type: ResourceType): Array<Record<string, unknown>> {
  const main: Record<string, unknown> = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: type.verbs,
    ...(type.storageVersionHash === undefined ? {} : { storageVersionHash: type.storageVersionHash }),
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
  };
  const status = type.statusSubresource
    ? [
        {
          name: `${type.plural}/status`,
          singularName: '',
          namespaced: type.namespaced,
          kind: type.kind,
          verbs: ['get', 'patch', 'update'],
        },
      ]
    : [];
  const finalize =
    type.group === '' && type.plural === 'namespaces'
      ? [
          {
            name: 'namespaces/finalize',
            singularName: '',
            namespaced: false,
            kind: 'Namespace',
            verbs: ['update'],
          },
        ]
      : [];
  return [main, ...finalize, ...status];
}

export function resourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = registry.resources(group, version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: types.flatMap(resourceEntries),
  };
}
