import { kubectl, NAMESPACE, PRN_PATH, type Step } from '../step.ts';

/** Deletion: preconditions, finalizers, the bodies DELETE returns, and the CRD's cleanup. */

const merge = 'application/merge-patch+json';

export const deleteSteps: Step[] = [
  {
    area: 'delete',
    name: 'DELETE with a uid precondition that does not match',
    run: (t) =>
      t.request('DELETE', `${PRN_PATH}/ssa`, {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        preconditions: { uid: '00000000-0000-0000-0000-000000000000' },
      }),
  },
  {
    area: 'delete',
    name: 'DELETE of a custom resource returns the object',
    run: (t) => t.request('DELETE', `${PRN_PATH}/ssa`),
  },
  {
    area: 'delete',
    name: 'a finalizer keeps the object with a deletionTimestamp',
    run: async (t) => [
      await t.request('PATCH', `${PRN_PATH}/csa`, { metadata: { finalizers: ['paiflow.dev/test'] } }, merge),
      await t.request('DELETE', `${PRN_PATH}/csa`),
      await t.request(
        'PATCH',
        `${PRN_PATH}/csa`,
        { metadata: { finalizers: ['paiflow.dev/test', 'x/y'] } },
        merge,
      ),
    ],
  },
  {
    area: 'delete',
    name: 'removing the last finalizer deletes it',
    run: async (t) => [
      await t.request('PATCH', `${PRN_PATH}/csa`, { metadata: { finalizers: null } }, merge),
      await t.request('GET', `${PRN_PATH}/csa`),
    ],
  },
  {
    area: 'delete',
    name: 'DELETE of a Lease returns a Success Status',
    run: (t) => t.request('DELETE', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/leader`),
  },
  {
    area: 'delete',
    name: 'DELETE of a missing object',
    run: (t) => t.request('DELETE', `${PRN_PATH}/ssa`),
  },
  {
    area: 'delete',
    name: 'kubectl 1.33 delete prn --all',
    run: (t) => kubectl(t, '1.33', ['delete', 'prn', '--all', '-n', NAMESPACE]),
  },
  {
    area: 'delete',
    name: 'kubectl 1.27 delete the CRD (waits for its cleanup)',
    run: (t) =>
      kubectl(t, '1.27', [
        'delete',
        '-f',
        new URL('../../../deploy/crd.yaml', import.meta.url).pathname,
        '--timeout=30s',
      ]),
  },
  {
    area: 'delete',
    name: 'the deleted CRD is no longer served',
    run: (t) => t.request('GET', PRN_PATH),
  },
];
