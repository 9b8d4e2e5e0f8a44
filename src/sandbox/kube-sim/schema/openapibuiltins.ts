import { bool, gvk, int, metaV1, obj, ref, str, strMap, withMeta } from './openapimeta.ts';
import type { Schema } from './openapimeta.ts';
import { permissiveOpenApi } from '../builtins/permissive-kind.ts';
import { permissiveKinds } from '../builtins/permissive-kinds.ts';

/**
 * The built-in kinds kube-sim serves besides CRDs, with minimal OpenAPI v3 schemas: core/v1
 * Namespace, Secret and Event, events.k8s.io/v1 Event and coordination.k8s.io/v1 Lease. Only the
 * fields the controller uses and their first description sentence, enough for `kubectl explain`,
 * validation and strategic-merge apply of these kinds; not the full upstream schemas. The kinds of
 * builtins/permissive-kinds.ts (ServiceAccount, Deployment, RBAC...) follow, with their top-level
 * fields only.
 */

const objectReference = obj(
  'ObjectReference contains enough information to let you inspect or modify the referred object.',
  {
    apiVersion: str('API version of the referent.'),
    fieldPath: str(
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.',
    ),
    kind: str('Kind of the referent.'),
    name: str('Name of the referent.'),
    namespace: str('Namespace of the referent.'),
    resourceVersion: str('Specific resourceVersion to which this reference is made, if any.'),
    uid: str('UID of the referent.'),
  },
  { 'x-kubernetes-map-type': 'atomic' },
);

/** One built-in kind: where it is served and its schemas (the kind's own first). */
export interface BuiltinKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Component schema name of the kind, e.g. `io.k8s.api.core.v1.Secret`. */
  name: string;
  schemas: Record<string, Schema>;
  /** Whether the kind has a /status subresource. */
  status: boolean;
}

const core = 'io.k8s.api.core.v1';

/** The built-in kinds kube-sim serves, with just enough schema for explain, validation and apply. */
export const builtinKinds: BuiltinKind[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    status: true,
    name: `${core}.Namespace`,
    schemas: {
      [`${core}.Namespace`]: withMeta(
        'Namespace provides a scope for Names. Use of multiple namespaces is optional.',
        {
          spec: ref(`${core}.NamespaceSpec`, 'Spec defines the behavior of the Namespace.'),
          status: ref(`${core}.NamespaceStatus`, 'Status describes the current status of a Namespace.'),
        },
        gvk('', 'v1', 'Namespace'),
      ),
      [`${core}.NamespaceSpec`]: obj('NamespaceSpec describes the attributes on a Namespace.', {
        finalizers: {
          type: 'array',
          items: { type: 'string', default: '' },
          description:
            'Finalizers is an opaque list of values that must be empty to permanently remove object from storage.',
          'x-kubernetes-list-type': 'atomic',
        },
      }),
      [`${core}.NamespaceStatus`]: obj(
        'NamespaceStatus is information about the current status of a Namespace.',
        {
          phase: {
            type: 'string',
            description: 'Phase is the current lifecycle phase of the namespace.',
            enum: ['Active', 'Terminating'],
          },
        },
      ),
    },
  },
  {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    status: false,
    name: `${core}.Secret`,
    schemas: {
      [`${core}.Secret`]: withMeta(
        'Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.',
        {
          data: {
            type: 'object',
            additionalProperties: { type: 'string', format: 'byte' },
            description:
              "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string.",
          },
          immutable: bool(
            'Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).',
          ),
          stringData: strMap(
            'stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience.',
          ),
          type: str('Used to facilitate programmatic handling of secret data.'),
        },
        gvk('', 'v1', 'Secret'),
      ),
    },
  },
  {
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    status: false,
    name: `${core}.Event`,
    schemas: {
      [`${core}.Event`]: withMeta(
        'Event is a report of an event somewhere in the cluster.',
        {
          action: str('What action was taken/failed regarding to the Regarding object.'),
          count: int('The number of times this event has occurred.'),
          eventTime: ref(`${metaV1}.MicroTime`, 'Time when this Event was first observed.'),
          firstTimestamp: ref(
            `${metaV1}.Time`,
            'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
          ),
          involvedObject: ref(`${core}.ObjectReference`, 'The object that this event is about.'),
          lastTimestamp: ref(
            `${metaV1}.Time`,
            'The time at which the most recent occurrence of this event was recorded.',
          ),
          message: str('A human-readable description of the status of this operation.'),
          reason: str(
            "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
          ),
          related: ref(`${core}.ObjectReference`, 'Optional secondary object for more complex actions.'),
          reportingComponent: str(
            'Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.',
          ),
          reportingInstance: str('ID of the controller instance, e.g. `kubelet-xyzf`.'),
          series: ref(
            `${core}.EventSeries`,
            "Data about the Event series this event represents or nil if it's a singleton Event.",
          ),
          source: ref(
            `${core}.EventSource`,
            'The component reporting this event. Should be a short machine understandable string.',
          ),
          type: str('Type of this event (Normal, Warning), new types could be added in the future'),
        },
        { ...gvk('', 'v1', 'Event'), required: ['metadata', 'involvedObject'] },
      ),
      [`${core}.ObjectReference`]: objectReference,
      [`${core}.EventSeries`]: obj(
        'EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.',
        {
          count: int('Number of occurrences in this series up to the last heartbeat time'),
          lastObservedTime: ref(`${metaV1}.MicroTime`, 'Time of the last occurrence observed'),
        },
      ),
      [`${core}.EventSource`]: obj('EventSource contains information for an event.', {
        component: str('Component from which the event is generated.'),
        host: str('Node name on which the event is generated.'),
      }),
    },
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    status: false,
    name: 'io.k8s.api.events.v1.Event',
    schemas: {
      'io.k8s.api.events.v1.Event': withMeta(
        'Event is a report of an event somewhere in the cluster.',
        {
          action: str('action is what action was taken/failed regarding to the regarding object.'),
          deprecatedCount: int(
            'deprecatedCount is the deprecated field assuring backward compatibility with core.v1 Event type.',
          ),
          deprecatedFirstTimestamp: ref(
            `${metaV1}.Time`,
            'deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.',
          ),
          deprecatedLastTimestamp: ref(
            `${metaV1}.Time`,
            'deprecatedLastTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.',
          ),
          deprecatedSource: ref(
            `${core}.EventSource`,
            'deprecatedSource is the deprecated field assuring backward compatibility with core.v1 Event type.',
          ),
          eventTime: ref(
            `${metaV1}.MicroTime`,
            'eventTime is the time when this Event was first observed. It is required.',
          ),
          note: str('note is a human-readable description of the status of this operation.'),
          reason: str('reason is why the action was taken. It is human-readable.'),
          regarding: ref(`${core}.ObjectReference`, 'regarding contains the object this Event is about.'),
          related: ref(
            `${core}.ObjectReference`,
            'related is the optional secondary object for more complex actions.',
          ),
          reportingController: str(
            'reportingController is the name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.',
          ),
          reportingInstance: str(
            'reportingInstance is the ID of the controller instance, e.g. `kubelet-xyzf`.',
          ),
          series: ref(
            'io.k8s.api.events.v1.EventSeries',
            "series is data about the Event series this event represents or nil if it's a singleton Event.",
          ),
          type: str(
            'type is the type of this event (Normal, Warning), new types could be added in the future.',
          ),
        },
        { ...gvk('events.k8s.io', 'v1', 'Event'), required: ['eventTime'] },
      ),
      [`${core}.ObjectReference`]: objectReference,
      [`${core}.EventSource`]: obj('EventSource contains information for an event.', {
        component: str('Component from which the event is generated.'),
        host: str('Node name on which the event is generated.'),
      }),
      'io.k8s.api.events.v1.EventSeries': obj(
        'EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.',
        {
          count: int('count is the number of occurrences in this series up to the last heartbeat time.'),
          lastObservedTime: ref(
            `${metaV1}.MicroTime`,
            'lastObservedTime is the time when last Event from the series was seen before last heartbeat.',
          ),
        },
        { required: ['count', 'lastObservedTime'] },
      ),
    },
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    namespaced: true,
    status: false,
    name: 'io.k8s.api.coordination.v1.Lease',
    schemas: {
      'io.k8s.api.coordination.v1.Lease': withMeta(
        'Lease defines a lease concept.',
        {
          spec: ref('io.k8s.api.coordination.v1.LeaseSpec', 'spec contains the specification of the Lease.'),
        },
        gvk('coordination.k8s.io', 'v1', 'Lease'),
      ),
      'io.k8s.api.coordination.v1.LeaseSpec': obj('LeaseSpec is a specification of a Lease.', {
        acquireTime: ref(`${metaV1}.MicroTime`, 'acquireTime is a time when the current lease was acquired.'),
        holderIdentity: str('holderIdentity contains the identity of the holder of a current lease.'),
        leaseDurationSeconds: int(
          'leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.',
        ),
        leaseTransitions: int('leaseTransitions is the number of transitions of a lease between holders.'),
        preferredHolder: str(
          'PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.',
        ),
        renewTime: ref(
          `${metaV1}.MicroTime`,
          'renewTime is a time when the current holder of a lease has last updated the lease.',
        ),
        strategy: str(
          'Strategy indicates the strategy for picking the leader for coordinated leader election.',
        ),
      }),
    },
  },
  ...permissiveKinds.map(permissiveOpenApi),
];
