import { canonicalPaiStatus, isTerminal } from '../../controller/status/index.ts';
import { COMPLETION_STATUSES, PHASES, WORKQUEUE_BUCKETS } from './label-values.ts';

test('every phase but Pending and Other is a known PAI status in its canonical spelling', () => {
  for (const phase of PHASES.filter((p) => p !== 'Pending' && p !== 'Other')) {
    expect({ phase, canonical: canonicalPaiStatus(phase) }).toEqual({ phase, canonical: phase });
  }
  // The two extra values must never collide with a PAI status.
  expect(canonicalPaiStatus('Pending')).toBeUndefined();
  expect(canonicalPaiStatus('Other')).toBeUndefined();
});

test('the completion statuses are exactly the terminal phases', () => {
  expect(PHASES.filter((phase) => isTerminal(phase))).toEqual([...COMPLETION_STATUSES]);
});

test("the workqueue buckets are client-go's ExponentialBuckets(10e-9, 10, 12)", () => {
  expect(WORKQUEUE_BUCKETS).toEqual([1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]);
});
