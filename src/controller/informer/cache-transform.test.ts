import { slimResource } from './cache-transform.ts';

/** The metadata fields the controller reads. */
const read = {
  name: 'train',
  namespace: 'team-a',
  uid: 'u-1',
  generation: 3,
  resourceVersion: '42',
  creationTimestamp: '2026-01-01T00:00:00Z',
};

const stored = {
  apiVersion: 'paiflow.dev/v1alpha1',
  kind: 'PipelineRunNode',
  metadata: {
    ...read,
    labels: { team: 'a' },
    annotations: {
      'paiflow.dev/reconcile-requested-at': 'now',
      'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}',
      'argocd.argoproj.io/tracking-id': 'x',
    },
    managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'o-1' }],
    finalizers: ['example.com/keep'],
  },
  spec: { pipelineRunId: 'flow-1', depth: 2 },
  status: { phase: 'Running', observedGeneration: 3 },
};

test.each([
  {
    name: 'a stored resource: spec and status whole, the metadata the controller reads, our annotations',
    input: stored,
    want: {
      apiVersion: 'paiflow.dev/v1alpha1',
      kind: 'PipelineRunNode',
      metadata: { ...read, annotations: { 'paiflow.dev/reconcile-requested-at': 'now' } },
      spec: { pipelineRunId: 'flow-1', depth: 2 },
      status: { phase: 'Running', observedGeneration: 3 },
    },
  },
  {
    name: 'being deleted, no annotation of ours: deletionTimestamp kept, no empty annotations',
    input: {
      metadata: { name: 'n', namespace: 'ns', deletionTimestamp: 'T', annotations: { other: 'x' } },
      spec: {},
    },
    want: { metadata: { name: 'n', namespace: 'ns', deletionTimestamp: 'T' }, spec: {} },
  },
  {
    name: 'a watch ERROR Status (no object metadata): unchanged',
    input: { kind: 'Status', code: 410, reason: 'Expired' },
    want: { kind: 'Status', code: 410, reason: 'Expired' },
  },
  { name: 'not an object: unchanged', input: null, want: null },
])('$name', ({ input, want }) => {
  expect(slimResource(input)).toEqual(want);
});

test('the stored object is not modified', () => {
  const copy = structuredClone(stored);
  slimResource(stored);
  expect(stored).toEqual(copy);
});
