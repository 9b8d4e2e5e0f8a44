import { CustomObjectsApi } from '@kubernetes/client-node';
import { clientNode, GROUP_PATH, kubectl, NAMESPACE, PRN_PATH, prn, type Step } from '../step.ts';

/** The Status bodies of 404, 405, 409 and 422, as raw HTTP, client-node and kubectl see them. */

export const errorSteps: Step[] = [
  {
    area: 'errors',
    name: '404 for a missing object',
    run: (t) => t.request('GET', `${PRN_PATH}/missing`),
  },
  {
    area: 'errors',
    name: '404 for a missing namespace on create',
    run: (t) =>
      t.request('POST', `${GROUP_PATH}/namespaces/nowhere/pipelinerunnodes`, {
        ...prn('x'),
        metadata: { name: 'x', namespace: 'nowhere' },
      }),
  },
  {
    area: 'errors',
    name: '404 for an unknown resource',
    run: (t) => t.request('GET', `${GROUP_PATH}/namespaces/${NAMESPACE}/unknowns`),
  },
  {
    area: 'errors',
    name: '400 for a namespace mismatch between path and body',
    run: (t) => t.request('POST', PRN_PATH, { ...prn('x'), metadata: { name: 'x', namespace: 'other' } }),
  },
  {
    area: 'errors',
    name: '409 AlreadyExists',
    run: (t) => t.request('POST', PRN_PATH, prn('ssa')),
  },
  {
    area: 'errors',
    name: '409 Conflict on a PUT with a stale resourceVersion',
    run: async (t) => {
      const current = (await t.request('GET', `${PRN_PATH}/ssa`)).body as {
        metadata: Record<string, unknown>;
      };
      return t.request('PUT', `${PRN_PATH}/ssa`, {
        ...current,
        metadata: { ...current.metadata, resourceVersion: '2' },
      });
    },
  },
  {
    area: 'errors',
    name: '422 on a PUT without resourceVersion',
    run: async (t) => {
      const current = (await t.request('GET', `${PRN_PATH}/ssa`)).body as {
        metadata: Record<string, unknown>;
      };
      const { resourceVersion: _dropped, ...metadata } = current.metadata;
      return t.request('PUT', `${PRN_PATH}/ssa`, { ...current, metadata });
    },
  },
  {
    area: 'errors',
    name: '422 on a PUT whose name differs from the path',
    run: async (t) => {
      const current = (await t.request('GET', `${PRN_PATH}/ssa`)).body as {
        metadata: Record<string, unknown>;
      };
      return t.request('PUT', `${PRN_PATH}/ssa`, {
        ...current,
        metadata: { ...current.metadata, name: 'other' },
      });
    },
  },
  {
    area: 'errors',
    name: '405 for a collection PUT',
    run: (t) => t.request('PUT', PRN_PATH, prn('x')),
  },
  {
    area: 'errors',
    name: '415 for an unsupported patch type',
    run: (t) => t.request('PATCH', `${PRN_PATH}/ssa`, {}, 'text/plain'),
  },
  {
    area: 'errors',
    name: 'client-node 404',
    run: (t) =>
      clientNode(() =>
        t.kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
          group: 'paiflow.dev',
          version: 'v1alpha1',
          namespace: NAMESPACE,
          plural: 'pipelinerunnodes',
          name: 'missing',
        }),
      ),
  },
  {
    area: 'errors',
    name: 'kubectl 1.27 get of a missing object',
    run: (t) => kubectl(t, '1.27', ['get', 'prn', 'missing', '-n', NAMESPACE]),
  },
  {
    area: 'errors',
    name: 'kubectl 1.33 create of an existing object',
    run: (t) => kubectl(t, '1.33', ['create', '-f', '-'], JSON.stringify(prn('ssa'))),
  },
];
