import { RECONCILE_ANNOTATION, type PipelineRunNode } from '../api/v1alpha1.ts';
import { ChangeFilter } from './change-filter.ts';

function prn(
  generation: number,
  extra: { annotation?: string; phase?: string; label?: string; uid?: string } = {},
): PipelineRunNode {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: {
      name: 'train',
      namespace: 'team-a',
      generation,
      uid: extra.uid ?? 'uid-1',
      ...(extra.annotation !== undefined && { annotations: { [RECONCILE_ANNOTATION]: extra.annotation } }),
      ...(extra.label !== undefined && { labels: { tier: extra.label } }),
    },
    spec: { pipelineRunId: 'flow-1' },
    ...(extra.phase !== undefined && { status: { phase: extra.phase } }),
  };
}

test('adds, spec changes, reconcile requests and deletes enqueue; status-only and label updates do not', () => {
  const filter = new ChangeFilter();
  const steps: [Parameters<ChangeFilter['keyToEnqueue']>[0], PipelineRunNode, boolean][] = [
    ['add', prn(1), true],
    ['update', prn(1, { phase: 'Running' }), false], // our own status write
    ['update', prn(1, { phase: 'Running', label: 'gold' }), false],
    ['update', prn(2, { phase: 'Running' }), true], // spec changed
    ['update', prn(2, { phase: 'Running', annotation: 't1' }), true], // reconcile requested
    ['update', prn(2, { phase: 'Succeeded', annotation: 't1' }), false],
    ['update', prn(2, { phase: 'Succeeded', annotation: 't2' }), true],
    ['add', prn(2, { annotation: 't2' }), true], // a relist re-adds
    ['delete', prn(2), true],
    ['update', prn(2), true], // unknown after delete: treated as new
    ['update', prn(2, { phase: 'Succeeded' }), false],
    // Deleted and created again while the watch was down: the relist reports an update of the same
    // generation, with no status yet, but another uid.
    ['update', prn(2, { uid: 'uid-2' }), true],
    ['update', prn(2, { uid: 'uid-2', phase: 'Running' }), false],
  ];
  expect(steps.map(([type, object]) => filter.keyToEnqueue(type, object) !== undefined)).toEqual(
    steps.map(([, , want]) => want),
  );
  expect(filter.keyToEnqueue('add', prn(1))).toBe('team-a/train');
});
