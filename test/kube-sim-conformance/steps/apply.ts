import { stringify } from 'yaml';
import { kubectl, NAMESPACE, PRN_PATH, prn, type Step } from '../step.ts';

/** Client-side and server-side apply with both kubectl versions, and their conflicts. */

const yaml = (obj: unknown): string => stringify(obj);
const applyPatch = 'application/apply-patch+yaml';

export const applySteps: Step[] = [
  {
    area: 'apply',
    name: 'kubectl 1.27 create namespace (a protobuf body)',
    run: (t) => kubectl(t, '1.27', ['create', 'namespace', NAMESPACE]),
  },
  {
    area: 'apply',
    name: 'kubectl 1.33 apply (client-side) creates',
    run: (t) => kubectl(t, '1.33', ['apply', '-f', '-'], yaml(prn('csa', { nodeId: 'node-1' }))),
  },
  {
    area: 'apply',
    name: 'kubectl 1.27 apply (client-side) configures',
    run: (t) =>
      kubectl(
        t,
        '1.27',
        ['apply', '-f', '-'],
        yaml(prn('csa', { nodeId: 'node-1', depth: 3 }, { labels: { app: 'a' } })),
      ),
  },
  {
    area: 'apply',
    name: 'kubectl 1.33 apply (client-side) again is unchanged',
    run: (t) =>
      kubectl(
        t,
        '1.33',
        ['apply', '-f', '-'],
        yaml(prn('csa', { nodeId: 'node-1', depth: 3 }, { labels: { app: 'a' } })),
      ),
  },
  {
    area: 'apply',
    name: 'client-side applied object (last-applied annotation, managedFields)',
    run: (t) =>
      kubectl(t, '1.33', ['get', 'prn', 'csa', '-n', NAMESPACE, '-o', 'json', '--show-managed-fields']),
  },
  // kubectl's server-side apply rewrites the client-side annotation (the real server's
  // lastAppliedUpdater), so the next client-side apply starts from what was applied server-side.
  {
    area: 'apply',
    name: 'kubectl 1.33 apply (client-side), then --server-side of the same file',
    run: async (t) => [
      await kubectl(t, '1.33', ['apply', '-f', '-'], yaml(prn('migrate', { depth: 2 }))),
      await kubectl(t, '1.33', ['apply', '--server-side', '-f', '-'], yaml(prn('migrate', { depth: 2 }))),
    ],
  },
  {
    area: 'apply',
    name: 'the last-applied annotation after the server-side apply',
    run: (t) =>
      kubectl(t, '1.33', [
        'get',
        'prn',
        'migrate',
        '-n',
        NAMESPACE,
        '-o',
        'jsonpath={.metadata.annotations}',
      ]),
  },
  {
    area: 'apply',
    name: 'kubectl 1.27 apply (client-side) after the server-side apply',
    run: (t) => kubectl(t, '1.27', ['apply', '-f', '-'], yaml(prn('migrate', { depth: 2 }))),
  },
  {
    area: 'apply',
    name: 'kubectl 1.33 apply --server-side creates',
    run: (t) => kubectl(t, '1.33', ['apply', '--server-side', '-f', '-'], yaml(prn('ssa', { depth: 4 }))),
  },
  {
    area: 'apply',
    name: 'kubectl 1.27 apply --server-side by another manager conflicts',
    run: (t) =>
      kubectl(
        t,
        '1.27',
        ['apply', '--server-side', '--field-manager', 'other', '-f', '-'],
        yaml(prn('ssa', { depth: 5 })),
      ),
  },
  {
    area: 'apply',
    name: 'kubectl 1.27 apply --server-side --force-conflicts takes the field',
    run: (t) =>
      kubectl(
        t,
        '1.27',
        ['apply', '--server-side', '--force-conflicts', '--field-manager', 'other', '-f', '-'],
        yaml(prn('ssa', { depth: 5 })),
      ),
  },
  {
    area: 'apply',
    name: 'server-side applied object (managedFields of both managers)',
    run: (t) => t.request('GET', `${PRN_PATH}/ssa`),
  },
  {
    area: 'apply',
    name: 'apply PATCH removes a field the manager stopped applying',
    run: (t) =>
      t.request(
        'PATCH',
        `${PRN_PATH}/ssa?fieldManager=other`,
        yaml(prn('ssa', { region: 'cn-hangzhou' })),
        applyPatch,
      ),
  },
  {
    area: 'apply',
    name: 'apply PATCH without fieldManager',
    run: (t) => t.request('PATCH', `${PRN_PATH}/ssa`, yaml(prn('ssa')), applyPatch),
  },
  {
    area: 'apply',
    name: 'apply PATCH of a new object with dryRun=All',
    run: (t) => t.request('PATCH', `${PRN_PATH}/dry?fieldManager=m&dryRun=All`, yaml(prn('dry')), applyPatch),
  },
  {
    area: 'apply',
    name: 'strategic merge patch on a custom resource',
    run: (t) =>
      t.request(
        'PATCH',
        `${PRN_PATH}/ssa`,
        { metadata: { labels: { x: 'y' } } },
        'application/strategic-merge-patch+json',
      ),
  },
  {
    area: 'apply',
    name: 'JSON patch with a failing test operation',
    run: (t) =>
      t.request(
        'PATCH',
        `${PRN_PATH}/ssa`,
        [{ op: 'test', path: '/spec/depth', value: 9 }],
        'application/json-patch+json',
      ),
  },
];
