import type { Condition, PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { family, newMetrics } from './exposition.test-helper.ts';

function synced(status: Condition['status'], reason: string): PipelineRunNodeStatus {
  return {
    phase: 'Running',
    conditions: [{ type: 'Synced', status, reason, message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }],
  };
}

describe('PollRecorder.recordPoll', () => {
  test.each<{
    name: string;
    previous: PipelineRunNodeStatus | undefined;
    next: PipelineRunNodeStatus;
    want: string[];
  }>([
    {
      name: 'a first, successful poll only creates the namespace series',
      previous: undefined,
      next: synced('True', 'Polled'),
      want: ['paiflow_poll_retries_total{namespace="ml"} 0'],
    },
    {
      name: 'a failing poll counts as an error with the Synced reason',
      previous: synced('True', 'Polled'),
      next: synced('False', 'Throttled'),
      want: [
        'paiflow_poll_errors_total{namespace="ml",reason="Throttled"} 1',
        'paiflow_poll_retries_total{namespace="ml"} 0',
      ],
    },
    {
      name: 'a poll after a failed one is a retry, here a successful one',
      previous: synced('False', 'Throttled'),
      next: synced('True', 'Polled'),
      want: ['paiflow_poll_retries_total{namespace="ml"} 1'],
    },
    {
      name: 'a retry that fails again is both',
      previous: synced('False', 'Timeout'),
      next: synced('False', 'Timeout'),
      want: [
        'paiflow_poll_errors_total{namespace="ml",reason="Timeout"} 1',
        'paiflow_poll_retries_total{namespace="ml"} 1',
      ],
    },
    {
      name: 'a reason not known in advance gets its own series',
      previous: undefined,
      next: synced('False', 'NodeNotReported'),
      want: [
        'paiflow_poll_errors_total{namespace="ml",reason="NodeNotReported"} 1',
        'paiflow_poll_retries_total{namespace="ml"} 0',
      ],
    },
  ])('$name', async ({ previous, next, want }) => {
    const { registry, metrics } = newMetrics();
    metrics.polls.recordPoll('ml', previous, next);
    const nonZero = (await family(registry, 'paiflow_poll_errors_total')).filter((l) => !l.endsWith(' 0'));
    expect([...nonZero, ...(await family(registry, 'paiflow_poll_retries_total'))]).toEqual(want);
  });

  test('the first poll in a namespace creates its error series at zero', async () => {
    const { registry, metrics } = newMetrics();
    metrics.polls.recordPoll('ml', undefined, synced('True', 'Polled'));
    expect(await family(registry, 'paiflow_poll_errors_total')).toEqual(
      [
        'Throttled',
        'Unauthorized',
        'Forbidden',
        'NotFound',
        'InvalidParameter',
        'ServerError',
        'Timeout',
        'NetworkError',
        'BadResponse',
        'CredentialsNotFound',
        'CredentialsRequired',
        'InvalidSecret',
        'EndpointNotAllowed',
        'InvalidSpec',
      ].map((reason) => `paiflow_poll_errors_total{namespace="ml",reason="${reason}"} 0`),
    );
  });
});
