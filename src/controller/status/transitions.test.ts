import type { PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import type { NodeStatus } from '../../paiflow/types.ts';
import { computeStatus } from './compute-status.ts';
import type { PollOutcome } from './compute-status.ts';
import { transitions } from './transitions.ts';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const spec = { pipelineRunId: 'flow-a', nodeId: 'node-a' };

const node = (status: string, times: Partial<NodeStatus> = {}): PollOutcome => ({
  kind: 'observed',
  nodeId: 'node-a',
  nodes: [{ nodeId: 'node-a', nodeName: 'train', status, runtimeInfo: { raw: '' }, ...times }],
});
const started = { startedAt: '2025-03-01T09:00:00.000Z' };
const finished = { ...started, finishedAt: '2025-03-01T10:01:05.000Z' };
const throttled: PollOutcome = {
  kind: 'failed',
  reason: 'Throttled',
  message: 'slow down',
  permanent: false,
};
const forbidden: PollOutcome = {
  kind: 'failed',
  reason: 'Forbidden',
  message: 'no RAM grant',
  permanent: true,
};

/** The statuses after each outcome in turn, as the controller would store them. */
function history(...outcomes: PollOutcome[]): PipelineRunNodeStatus[] {
  const out: PipelineRunNodeStatus[] = [];
  outcomes.forEach((outcome, i) => {
    out.push(computeStatus({ previous: out.at(-1), generation: 1, spec, outcome, now: T0 + i * 60_000 }));
  });
  return out;
}

/** `Type/Reason: message` of the Events the last step emits. */
function lastStep(...outcomes: PollOutcome[]): string[] {
  const statuses = history(...outcomes);
  return transitions(statuses.at(-2), statuses.at(-1)!).map((e) => `${e.type}/${e.reason}: ${e.message}`);
}

describe('transitions', () => {
  const rows: { name: string; input: PollOutcome[]; want: string[] }[] = [
    { name: 'first sight of a node not started', input: [node('Initialized')], want: [] },
    {
      name: 'first sight of a running node',
      input: [node('Running', started)],
      want: ['Normal/Started: PAI started node "train" (node-a) at 2025-03-01T09:00:00.000Z'],
    },
    {
      name: 'Initialized -> Running',
      input: [node('Initialized'), node('Running', started)],
      want: ['Normal/Started: PAI started node "train" (node-a) at 2025-03-01T09:00:00.000Z'],
    },
    {
      name: 'Running -> Succeeded emits Succeeded',
      input: [node('Running', started), node('Succeeded', finished)],
      want: ['Normal/Succeeded: Node "train" (node-a) succeeded at 2025-03-01T10:01:05.000Z (ran 1h1m5s)'],
    },
    {
      name: 'Succeeded -> Succeeded emits nothing',
      input: [node('Running', started), node('Succeeded', finished), node('Succeeded', finished)],
      want: [],
    },
    {
      name: 'Running -> Running emits nothing',
      input: [node('Running', started), node('Running', started)],
      want: [],
    },
    {
      name: 'Running -> Terminating emits nothing',
      input: [node('Running', started), node('Terminating', started)],
      want: [],
    },
    {
      name: 'Running -> Failed',
      input: [node('Running', started), node('Failed', finished)],
      want: ['Warning/Failed: Node "train" (node-a) failed at 2025-03-01T10:01:05.000Z (ran 1h1m5s)'],
    },
    {
      name: 'Initialized -> Skipped, no times: a Normal Event, never a Warning',
      input: [node('Initialized'), node('Skipped')],
      want: [
        'Normal/Skipped: Node "train" (node-a) was skipped by PAI: its branch was not taken, or a node it depends on did not succeed (that node reports its own failure)',
      ],
    },
    {
      name: 'first sight of a finished node: one event, no Started',
      input: [node('Terminated', finished)],
      want: [
        'Warning/Terminated: Node "train" (node-a) was terminated at 2025-03-01T10:01:05.000Z (ran 1h1m5s)',
      ],
    },
    {
      name: 'suspended in PAI',
      input: [node('Running', started), node('Suspended', started)],
      want: [
        'Normal/NodeSuspended: Node "train" (node-a) is suspended in PAI; it continues once resumed there',
      ],
    },
    {
      name: 'ok -> failing',
      input: [node('Running', started), throttled],
      want: ['Warning/PollingFailing: Polling PAIFlow failed (Throttled): slow down'],
    },
    {
      name: 'failing -> failing the same way emits nothing',
      input: [node('Running', started), throttled, throttled],
      want: [],
    },
    {
      name: 'failing -> failing for another reason',
      input: [node('Running', started), throttled, forbidden],
      want: ['Warning/PollingFailing: Polling PAIFlow failed (Forbidden): no RAM grant'],
    },
    {
      name: 'failing -> ok emits PollingRecovered',
      input: [node('Running', started), throttled, node('Running', started)],
      want: ['Normal/PollingRecovered: Polling PAIFlow works again after failing (Throttled)'],
    },
    {
      name: 'failing -> ok and finished',
      input: [node('Running', started), throttled, node('Succeeded', finished)],
      want: [
        'Normal/Succeeded: Node "train" (node-a) succeeded at 2025-03-01T10:01:05.000Z (ran 1h1m5s)',
        'Normal/PollingRecovered: Polling PAIFlow works again after failing (Throttled)',
      ],
    },
    {
      name: 'spec.suspend',
      input: [node('Running', started), { kind: 'suspended' }],
      want: [
        'Normal/Suspended: Polling is suspended by spec.suspend; last observed: node "train" (node-a) was Running',
      ],
    },
    {
      name: 'still suspended',
      input: [node('Running', started), { kind: 'suspended' }, { kind: 'suspended' }],
      want: [],
    },
    {
      name: 'resumed',
      input: [node('Running', started), { kind: 'suspended' }, node('Running', started)],
      want: ['Normal/Resumed: Polling resumed: spec.suspend is no longer true'],
    },
  ];
  it.each(rows)('$name', ({ input, want }) => {
    expect(lastStep(...input)).toEqual(want);
  });

  it('a restart (previous = the stored status) emits nothing', () => {
    for (const outcome of [node('Running', started), node('Succeeded', finished), throttled, forbidden]) {
      const stored = history(node('Running', started), outcome).at(-1)!;
      const recomputed = computeStatus({ previous: stored, generation: 1, spec, outcome, now: T0 + 120_000 });
      expect(transitions(stored, recomputed)).toEqual([]);
    }
  });
});
