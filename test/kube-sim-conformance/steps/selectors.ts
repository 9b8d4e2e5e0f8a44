import { CustomObjectsApi } from '@kubernetes/client-node';
import { clientNode, kubectl, NAMESPACE, PRN_PATH, type Step } from '../step.ts';

/** Label and field selectors on lists, through raw HTTP, client-node and kubectl. */

const names = async (t: Parameters<Step['run']>[0], query: string): Promise<unknown> => {
  const reply = await t.request('GET', `${PRN_PATH}?${query}`);
  const body = reply.body as { items?: Array<{ metadata: { name: string } }> };
  return {
    status: reply.status,
    names: body.items?.map((item) => item.metadata.name).sort(),
    body: body.items ? undefined : body,
  };
};

export const selectorSteps: Step[] = [
  {
    area: 'selectors',
    name: 'label selector app=a',
    run: (t) => names(t, 'labelSelector=app%3Da'),
  },
  {
    area: 'selectors',
    name: 'set-based label selector app in (a,b),!missing',
    run: (t) => names(t, `labelSelector=${encodeURIComponent('app in (a,b),!missing')}`),
  },
  {
    area: 'selectors',
    name: 'label selector !app',
    run: (t) => names(t, `labelSelector=${encodeURIComponent('!app')}`),
  },
  {
    area: 'selectors',
    name: 'invalid label selector',
    run: (t) => names(t, `labelSelector=${encodeURIComponent('app in a')}`),
  },
  {
    area: 'selectors',
    name: 'field selector metadata.name',
    run: (t) => names(t, 'fieldSelector=metadata.name%3Dssa'),
  },
  {
    area: 'selectors',
    name: 'field selector metadata.namespace!=',
    run: (t) => names(t, `fieldSelector=${encodeURIComponent(`metadata.namespace!=${NAMESPACE}`)}`),
  },
  {
    area: 'selectors',
    name: 'unsupported field selector spec.depth',
    run: (t) => names(t, 'fieldSelector=spec.depth%3D2'),
  },
  {
    area: 'selectors',
    name: 'client-node list with a label selector',
    run: (t) =>
      clientNode(() =>
        t.kubeConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
          group: 'paiflow.dev',
          version: 'v1alpha1',
          namespace: NAMESPACE,
          plural: 'pipelinerunnodes',
          labelSelector: 'app=a',
        }),
      ),
  },
  {
    area: 'selectors',
    name: 'list with limit=1 and continue',
    run: async (t) => {
      const first = (await t.request('GET', `${PRN_PATH}?limit=1`)).body as {
        metadata: { continue?: string; remainingItemCount?: number };
        items: Array<{ metadata: { name: string } }>;
      };
      const token = encodeURIComponent(first.metadata.continue ?? '');
      const second = (await t.request('GET', `${PRN_PATH}?limit=1&continue=${token}`)).body as typeof first;
      return [first, second].map((page) => ({
        names: page.items.map((item) => item.metadata.name),
        more: page.metadata.continue !== undefined,
        remainingItemCount: page.metadata.remainingItemCount,
      }));
    },
  },
  {
    area: 'selectors',
    name: 'kubectl 1.27 get -l app=a',
    run: (t) => kubectl(t, '1.27', ['get', 'prn', '-n', NAMESPACE, '-l', 'app=a', '-o', 'name']),
  },
  {
    area: 'selectors',
    name: 'kubectl 1.33 get --field-selector metadata.name=csa',
    run: (t) =>
      kubectl(t, '1.33', [
        'get',
        'prn',
        '-n',
        NAMESPACE,
        '--field-selector',
        'metadata.name=csa',
        '-o',
        'name',
      ]),
  },
];
