import {
  CoordinationV1Api,
  CoreV1Api,
  EventsV1Api,
  V1MicroTime,
  type V1Lease,
} from '@kubernetes/client-node';
import { clientNode, kubectl, NAMESPACE, type Step } from '../step.ts';

/** Leases as leader election writes them, and Events as the controller records them. */

const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`;
const at = new V1MicroTime('2024-01-01T00:00:00.123456Z');

function lease(holder: string, resourceVersion?: string): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'leader', namespace: NAMESPACE, ...(resourceVersion && { resourceVersion }) },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: at,
      renewTime: at,
      leaseTransitions: 0,
    },
  };
}

/** Replaces the Lease as `holder`, claiming it is still at the resourceVersion the create saw. */
const replaceAtCreated = (t: Parameters<Step['run']>[0], state: Map<string, string>, holder: string) =>
  clientNode(() =>
    leases(t).replaceNamespacedLease({
      namespace: NAMESPACE,
      name: 'leader',
      body: lease(holder, state.get('lease')),
    }),
  );

const leases = (t: Parameters<Step['run']>[0]): CoordinationV1Api =>
  t.kubeConfig.makeApiClient(CoordinationV1Api);

export const leaseSteps: Step[] = [
  {
    area: 'lease',
    name: 'client-node creates a Lease',
    run: async (t, state) => {
      const result = await clientNode(() =>
        leases(t).createNamespacedLease({ namespace: NAMESPACE, body: lease('a') }),
      );
      state.set('lease', (result as { ok?: V1Lease }).ok?.metadata?.resourceVersion ?? '');
      return result;
    },
  },
  {
    area: 'lease',
    name: 'a second create is 409 AlreadyExists',
    run: (t) => clientNode(() => leases(t).createNamespacedLease({ namespace: NAMESPACE, body: lease('b') })),
  },
  {
    area: 'lease',
    name: 'an update at the current resourceVersion succeeds',
    run: (t, state) => replaceAtCreated(t, state, 'b'),
  },
  {
    area: 'lease',
    name: 'an update at the old resourceVersion is 409 Conflict',
    run: (t, state) => replaceAtCreated(t, state, 'c'),
  },
  {
    area: 'lease',
    name: 'a renewTime with milliseconds (not MicroTime) is refused',
    run: (t) =>
      t.request('POST', LEASES, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'millis' },
        spec: { holderIdentity: 'c', renewTime: '2024-01-01T00:00:00.123Z' },
      }),
  },
  {
    area: 'lease',
    name: 'a negative leaseDurationSeconds is refused',
    run: (t) =>
      t.request('POST', LEASES, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'negative' },
        spec: { holderIdentity: 'c', leaseDurationSeconds: -1 },
      }),
  },
  {
    area: 'lease',
    name: 'kubectl 1.33 get leases',
    run: (t) => kubectl(t, '1.33', ['get', 'leases', '-n', NAMESPACE]),
  },
];

const core = (t: Parameters<Step['run']>[0]): CoreV1Api => t.kubeConfig.makeApiClient(CoreV1Api);
const now = new Date('2024-01-01T00:00:00Z');
const involvedObject = {
  apiVersion: 'paiflow.dev/v1alpha1',
  kind: 'PipelineRunNode',
  name: 'ssa',
  namespace: NAMESPACE,
};

export const eventSteps: Step[] = [
  {
    area: 'events',
    name: 'client-node creates a core/v1 Event as the controller does',
    run: (t) =>
      clientNode(() =>
        core(t).createNamespacedEvent({
          namespace: NAMESPACE,
          body: {
            metadata: { name: 'ssa.1', namespace: NAMESPACE },
            involvedObject,
            type: 'Normal',
            reason: 'Running',
            message: 'The node is running.',
            source: { component: 'paiflow-controller', host: 'pod-1' },
            reportingComponent: 'paiflow-controller',
            reportingInstance: 'pod-1',
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        }),
      ),
  },
  {
    area: 'events',
    name: 'a merge patch bumps count and lastTimestamp',
    run: (t) =>
      t.request(
        'PATCH',
        `/api/v1/namespaces/${NAMESPACE}/events/ssa.1`,
        { count: 2, lastTimestamp: '2024-01-01T00:01:00Z' },
        'application/merge-patch+json',
      ),
  },
  {
    area: 'events',
    name: 'an Event without involvedObject is refused',
    run: (t) =>
      t.request('POST', `/api/v1/namespaces/${NAMESPACE}/events`, {
        metadata: { name: 'bad' },
        reason: 'X',
        message: 'x',
        type: 'Sideways',
      }),
  },
  {
    area: 'events',
    name: 'the core/v1 Event seen through events.k8s.io/v1',
    run: (t) =>
      clientNode(() =>
        t.kubeConfig.makeApiClient(EventsV1Api).readNamespacedEvent({ namespace: NAMESPACE, name: 'ssa.1' }),
      ),
  },
  {
    area: 'events',
    name: 'field selector involvedObject.name and reason',
    run: (t) =>
      clientNode(() =>
        core(t).listNamespacedEvent({
          namespace: NAMESPACE,
          fieldSelector: 'involvedObject.name=ssa,reason=Running',
        }),
      ),
  },
  {
    area: 'events',
    name: 'kubectl 1.27 describe shows the Event',
    run: (t) => kubectl(t, '1.27', ['get', 'events', '-n', NAMESPACE, '--field-selector', 'reason=Running']),
  },
];
