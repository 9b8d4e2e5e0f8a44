import type { PipelineRunNodeSpec, PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { admitStatus } from '../../api/crd.test-helper.ts';
import type { NodeStatus } from '../../paiflow/types.ts';
import { findCondition } from './conditions.ts';
import { computeStatus } from './compute-status.ts';
import type { ComputeStatusInput, PollOutcome } from './compute-status.ts';
import { DEFAULT_STATUS_LIMITS } from './limits.ts';
import { statusEqual } from './status-equal.ts';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const REFRESH = DEFAULT_STATUS_LIMITS.syncRefreshIntervalMs;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

const spec: PipelineRunNodeSpec = { pipelineRunId: 'flow-succeeds0001', nodeId: 'node-train0001' };

function node(overrides: Partial<NodeStatus> = {}): NodeStatus {
  return {
    nodeId: 'node-train0001',
    nodeName: 'dlc-train',
    status: 'Running',
    startedAt: '2025-03-01T09:59:00.000Z',
    runtimeInfo: { raw: '{}', parsed: {} },
    ...overrides,
  };
}
const observed = (...nodes: NodeStatus[]): PollOutcome => ({
  kind: 'observed',
  nodeId: 'node-train0001',
  nodes,
});
const failed = (reason: string, permanent: boolean, message = `${reason} happened`): PollOutcome => ({
  kind: 'failed',
  reason,
  message,
  permanent,
});

function compute(
  outcome: PollOutcome,
  previous?: PipelineRunNodeStatus,
  now = T0,
  extra: Partial<ComputeStatusInput> = {},
): PipelineRunNodeStatus {
  return computeStatus({ previous, generation: 1, spec, outcome, now, ...extra });
}

/** `Ready=Unknown/Progressing ...`: the conditions' gist, in their order. */
function gist(status: PipelineRunNodeStatus): string[] {
  return (status.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
}
const condition = (status: PipelineRunNodeStatus, type: string) => findCondition(status.conditions, type);

/** Every status a test computes must be one the API server accepts. */
function expectAdmitted(status: PipelineRunNodeStatus): void {
  const { causes, unknownFields } = admitStatus(spec, status);
  expect({ causes, unknownFields }).toEqual({ causes: [], unknownFields: [] });
}

describe('computeStatus: the conditions table', () => {
  const progressing = [
    'Ready=Unknown/Progressing',
    'Reconciling=True/Progressing',
    'Stalled=False/Progressing',
    'Synced=True/Polled',
  ];
  const rows: { name: string; input: PollOutcome; want: { phase?: string; conditions: string[] } }[] = [
    ...[
      'Initialized',
      'ReadyToSchedule',
      'Starting',
      'WorkflowServiceStarting',
      'Running',
      'Terminating',
      'Unknown',
    ].map((phase) => ({
      name: phase,
      input: observed(node({ status: phase })),
      want: { phase, conditions: progressing },
    })),
    {
      name: 'an unrecognised status keeps polling, verbatim',
      input: observed(node({ status: 'Paused' })),
      want: {
        phase: 'Paused',
        conditions: [
          'Ready=Unknown/UnrecognizedStatus',
          'Reconciling=True/UnrecognizedStatus',
          'Stalled=False/UnrecognizedStatus',
          'Synced=True/Polled',
        ],
      },
    },
    {
      name: 'Succeeded',
      input: observed(node({ status: 'Succeeded' })),
      want: {
        phase: 'Succeeded',
        conditions: [
          'Ready=True/Succeeded',
          'Reconciling=False/Succeeded',
          'Stalled=False/Succeeded',
          'Synced=True/Polled',
        ],
      },
    },
    {
      name: 'Succeed (phase verbatim, reason canonical)',
      input: observed(node({ status: 'Succeed' })),
      want: {
        phase: 'Succeed',
        conditions: [
          'Ready=True/Succeeded',
          'Reconciling=False/Succeeded',
          'Stalled=False/Succeeded',
          'Synced=True/Polled',
        ],
      },
    },
    {
      name: 'Skipped (neutral: a branch not taken is not a failure)',
      input: observed(node({ status: 'Skipped' })),
      want: {
        phase: 'Skipped',
        conditions: [
          'Ready=True/Skipped',
          'Reconciling=False/Skipped',
          'Stalled=False/Skipped',
          'Synced=True/Polled',
        ],
      },
    },
    ...['Failed', 'Terminated'].map((phase) => ({
      name: phase,
      input: observed(node({ status: phase })),
      want: {
        phase,
        conditions: [
          `Ready=False/${phase}`,
          `Reconciling=False/${phase}`,
          `Stalled=True/${phase}`,
          'Synced=True/Polled',
        ],
      },
    })),
    {
      name: 'Suspended in PAI',
      input: observed(node({ status: 'Suspended' })),
      want: {
        phase: 'Suspended',
        conditions: [
          'Ready=False/NodeSuspended',
          'Reconciling=False/NodeSuspended',
          'Stalled=False/NodeSuspended',
          'Synced=True/Polled',
        ],
      },
    },
    {
      name: 'spec.suspend before any poll',
      input: { kind: 'suspended' },
      want: {
        conditions: [
          'Ready=False/Suspended',
          'Reconciling=False/Suspended',
          'Stalled=False/Suspended',
          'Synced=Unknown/NotPolled',
        ],
      },
    },
    {
      name: 'pending: the run has no root node yet',
      input: { kind: 'pending', message: 'Run flow-succeeds0001 has not started' },
      want: {
        conditions: [
          'Ready=Unknown/Pending',
          'Reconciling=True/Pending',
          'Stalled=False/Pending',
          'Synced=True/Polled',
        ],
      },
    },
  ];
  it.each(rows)('$name', ({ input, want }) => {
    const status = compute(input);
    expect({ phase: status.phase, conditions: gist(status) }).toEqual(want);
    expect(
      status.conditions?.every((c) => c.observedGeneration === 1 && c.lastTransitionTime === iso(T0)),
    ).toBe(true);
    expectAdmitted(status);
  });

  it('spec.suspend after observing a running node', () => {
    const running = compute(observed(node()));
    const status = compute({ kind: 'suspended' }, running, T0 + MINUTE);
    expect(gist(status)).toEqual([
      'Ready=False/Suspended',
      'Reconciling=False/Suspended',
      'Stalled=False/Suspended',
      'Synced=True/Polled',
    ]);
    expect(status.phase).toBe('Running');
    expect(condition(status, 'Ready')?.message).toBe(
      'Polling is suspended by spec.suspend; last observed: node "dlc-train" (node-train0001) was Running',
    );
    expect(status.lastSyncTime).toBe(running.lastSyncTime);
  });

  it('spec.suspend on a finished node keeps its final conditions', () => {
    const done = compute(observed(node({ status: 'Succeeded', finishedAt: '2025-03-01T10:00:00.000Z' })));
    const status = compute({ kind: 'suspended' }, done, T0 + MINUTE);
    expect(status).toEqual(done);
  });
});

describe('computeStatus: status.reason, the first condition that is not fine', () => {
  const running = compute(observed(node()), undefined, T0);
  const rows: { name: string; input: () => PipelineRunNodeStatus; want: string | undefined }[] = [
    { name: 'running: Ready is Unknown', input: () => running, want: 'Progressing' },
    {
      name: 'succeeded and synced: nothing to say',
      input: () => compute(observed(node({ status: 'Succeeded', finishedAt: '2025-03-01T10:00:00Z' }))),
      want: undefined,
    },
    {
      name: 'skipped is fine too',
      input: () => compute(observed(node({ status: 'Skipped' }))),
      want: undefined,
    },
    {
      name: 'failed: Stalled says Failed',
      input: () => compute(observed(node({ status: 'Failed', finishedAt: '2025-03-01T10:00:00Z' }))),
      want: 'Failed',
    },
    {
      name: 'polling fails while running: Synced before Ready',
      input: () => compute(failed('Throttled', false), running, T0 + MINUTE),
      want: 'Throttled',
    },
    {
      name: 'a permanent failure: Stalled',
      input: () => compute(failed('Unauthorized', true), running, T0 + MINUTE),
      want: 'Unauthorized',
    },
    {
      name: 'suspended by spec',
      input: () => compute({ kind: 'suspended' }, running, T0 + MINUTE),
      want: 'Suspended',
    },
    {
      name: 'recovered: back to the node state',
      input: () =>
        compute(observed(node()), compute(failed('Throttled', false), running, T0 + MINUTE), T0 + 2 * MINUTE),
      want: 'Progressing',
    },
  ];
  it.each(rows)('$name', ({ input, want }) => {
    expect(input().reason).toBe(want);
  });
});

describe('computeStatus: a whole observation', () => {
  it('reports the node, its children, progress and RuntimeInfo', () => {
    const status = compute(
      {
        kind: 'observed',
        nodeId: 'node-root',
        nodes: [
          node({ nodeId: 'node-eval', nodeName: 'evaluate', status: 'Initialized', startedAt: undefined }),
          node({
            nodeId: 'node-ingest',
            nodeName: 'data-source',
            status: 'Succeeded',
            startedAt: '2025-03-01T09:58:00.000Z',
            finishedAt: '2025-03-01T09:58:20.000Z',
          }),
          node({
            nodeId: 'node-root',
            nodeName: 'nightly-training',
            startedAt: '2025-03-01T09:58:00.000Z',
            runtimeInfo: {
              raw: '{"DLC_INSTANCE_IDS":"dlc-1a2b3c,dlc-4d5e6f","TRIALS":64}',
              parsed: { DLC_INSTANCE_IDS: 'dlc-1a2b3c,dlc-4d5e6f', TRIALS: 64 },
            },
          }),
          node({ nodeId: 'node-train', nodeName: 'dlc-train', startedAt: '2025-03-01T09:58:20.000Z' }),
        ],
      },
      undefined,
      T0,
      { generation: 3, reconcileRequestedAt: '2025-03-01T09:59:59Z' },
    );
    const message = 'Node "nightly-training" (node-root) is Running';
    const cond = (type: string, status: string, reason: string, msg = message) => ({
      type,
      status,
      reason,
      message: msg,
      lastTransitionTime: '2025-03-01T10:00:00Z',
      observedGeneration: 3,
    });
    expect(status).toEqual({
      observedGeneration: 3,
      phase: 'Running',
      reason: 'Progressing',
      nodeId: 'node-root',
      nodeName: 'nightly-training',
      startedAt: '2025-03-01T09:58:00.000Z',
      runtimeInfo: { DLC_INSTANCE_IDS: 'dlc-1a2b3c,dlc-4d5e6f', TRIALS: '64' },
      children: [
        {
          nodeId: 'node-ingest',
          nodeName: 'data-source',
          status: 'Succeeded',
          startedAt: '2025-03-01T09:58:00.000Z',
          finishedAt: '2025-03-01T09:58:20.000Z',
        },
        {
          nodeId: 'node-train',
          nodeName: 'dlc-train',
          status: 'Running',
          startedAt: '2025-03-01T09:58:20.000Z',
        },
        { nodeId: 'node-eval', nodeName: 'evaluate', status: 'Initialized' },
      ],
      childrenTotal: 3,
      childrenTruncated: false,
      progress: '1/3',
      lastSyncTime: '2025-03-01T10:00:00Z',
      lastHandledReconcileAt: '2025-03-01T09:59:59Z',
      conditions: [
        cond('Ready', 'Unknown', 'Progressing'),
        cond('Reconciling', 'True', 'Progressing'),
        cond('Stalled', 'False', 'Progressing'),
        cond('Synced', 'True', 'Polled', 'The last poll of PAIFlow succeeded'),
      ],
    });
    expectAdmitted(status);
  });

  it.each([
    {
      name: 'succeeded',
      input: { status: 'Succeeded', finishedAt: '2025-03-01T10:00:00.000Z' },
      want: 'Node "dlc-train" (node-train0001) succeeded at 2025-03-01T10:00:00.000Z',
    },
    {
      name: 'failed',
      input: { status: 'Failed', finishedAt: '2025-03-01T10:00:00.000Z' },
      want: 'Node "dlc-train" (node-train0001) failed at 2025-03-01T10:00:00.000Z',
    },
    {
      name: 'failed, with the error text of its RuntimeInfo',
      input: {
        status: 'Failed',
        runtimeInfo: {
          raw: '{"ERROR":"OOMKilled","DLC_JOB_URL":"u"}',
          parsed: { ERROR: 'OOMKilled', DLC_JOB_URL: 'u' },
        },
      },
      want: 'Node "dlc-train" (node-train0001) failed; PAI says: ERROR: OOMKilled',
    },
    {
      name: 'terminated',
      input: { status: 'Terminated' },
      want: 'Node "dlc-train" (node-train0001) was terminated',
    },
    {
      name: 'skipped',
      input: { status: 'Skipped' },
      want: 'Node "dlc-train" (node-train0001) was skipped by PAI: its branch was not taken, or a node it depends on did not succeed (that node reports its own failure)',
    },
    {
      name: 'suspended in PAI',
      input: { status: 'Suspended' },
      want: 'Node "dlc-train" (node-train0001) is suspended in PAI; it continues once resumed there',
    },
    {
      name: 'unrecognised',
      input: { status: 'Paused' },
      want: 'Node "dlc-train" (node-train0001) has status "Paused", which this controller does not recognize; polling continues',
    },
    { name: 'no name', input: { nodeName: '', status: 'Running' }, want: 'Node node-train0001 is Running' },
  ])('Ready message: $name', ({ input, want }) => {
    expect(condition(compute(observed(node(input))), 'Ready')?.message).toBe(want);
  });
});

describe('computeStatus: lenient inputs', () => {
  const big = (n: number, length: number): Record<string, string> =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`KEY_${String(i).padStart(3, '0')}`, 'v'.repeat(length)]),
    );
  const rows: {
    name: string;
    input: NodeStatus[];
    want: Record<string, unknown> & { absent?: (keyof PipelineRunNodeStatus)[] };
  }[] = [
    {
      name: 'missing times stay absent',
      input: [node({ status: 'Initialized', startedAt: undefined })],
      want: { progress: '0/1', absent: ['startedAt', 'finishedAt'] },
    },
    { name: 'RuntimeInfo {}', input: [node()], want: { absent: ['runtimeInfo', 'runtimeInfoRaw'] } },
    {
      name: 'RuntimeInfo empty',
      input: [node({ runtimeInfo: { raw: '' } })],
      want: { absent: ['runtimeInfo', 'runtimeInfoRaw'] },
    },
    {
      name: 'RuntimeInfo not JSON: kept raw',
      input: [node({ runtimeInfo: { raw: 'DLC_INSTANCE_IDS=i-1;i-2' } })],
      want: { runtimeInfoRaw: 'DLC_INSTANCE_IDS=i-1;i-2', absent: ['runtimeInfo'] },
    },
    {
      name: 'RuntimeInfo JSON but not an object: kept raw',
      input: [node({ runtimeInfo: { raw: '["a","b"]' } })],
      want: { runtimeInfoRaw: '["a","b"]', absent: ['runtimeInfo'] },
    },
    {
      name: 'RuntimeInfo values stringified, keys sorted',
      input: [
        node({ runtimeInfo: { raw: '…', parsed: { z: null, b: true, a: 3, o: { x: [1] }, s: 'text' } } }),
      ],
      want: { runtimeInfo: { a: '3', b: 'true', o: '{"x":[1]}', s: 'text', z: 'null' } },
    },
    {
      name: 'RuntimeInfo huge: first 32 keys in order, values cut',
      input: [node({ runtimeInfo: { raw: '…', parsed: big(100, 1000) } })],
      want: {
        runtimeInfo: Object.fromEntries(Object.keys(big(32, 0)).map((k) => [k, `${'v'.repeat(253)}...`])),
      },
    },
    {
      name: 'RuntimeInfo raw huge: cut',
      input: [node({ runtimeInfo: { raw: 'x'.repeat(100_000) } })],
      want: { runtimeInfoRaw: `${'x'.repeat(1021)}...` },
    },
    {
      name: 'the tracked node need not come first; duplicates count once',
      input: [
        node({ nodeId: 'node-b', nodeName: 'b', status: 'Failed', startedAt: '2025-03-01T09:59:30.000Z' }),
        node(),
        node({ nodeId: 'node-b', nodeName: 'b again', status: 'Running' }),
        node({ nodeId: 'node-train0001', status: 'Failed' }),
      ],
      want: {
        phase: 'Running',
        children: [
          { nodeId: 'node-b', nodeName: 'b', status: 'Failed', startedAt: '2025-03-01T09:59:30.000Z' },
        ],
        childrenTotal: 1,
        childrenTruncated: false,
        progress: '1/1',
      },
    },
    {
      name: 'skipped children are counted apart, never as done work or failures',
      input: [
        node({ status: 'Succeeded' }),
        ...['a', 'b', 'c'].map((id) => node({ nodeId: `node-${id}`, status: 'Succeeded' })),
        ...['d', 'e'].map((id) => node({ nodeId: `node-${id}`, status: 'Skipped', startedAt: undefined })),
      ],
      want: {
        childrenTotal: 5,
        progress: '3/5, 2 skipped',
        conditions: expect.arrayContaining([
          expect.objectContaining({ type: 'Ready', status: 'True' }),
        ]) as unknown,
      },
    },
    {
      name: 'a failed node names its failed children with the error text PAI gave',
      input: [
        node({ status: 'Failed' }),
        node({ nodeId: 'node-x', nodeName: 'extract', status: 'Succeeded' }),
        node({
          nodeId: 'node-t',
          nodeName: 'transform',
          status: 'Failed',
          runtimeInfo: { raw: '{"ERROR":"OOMKilled"}', parsed: { ERROR: 'OOMKilled' } },
        }),
        node({ nodeId: 'node-l', nodeName: 'load', status: 'Skipped', startedAt: undefined }),
      ],
      want: {
        progress: '2/3, 1 skipped',
        conditions: expect.arrayContaining([
          expect.objectContaining({
            type: 'Ready',
            status: 'False',
            reason: 'Failed',
            message:
              'Node "dlc-train" (node-train0001) failed; failed: node "transform" (node-t) Failed: ERROR: OOMKilled',
          }),
        ]) as unknown,
      },
    },
    {
      name: 'at most three failed children are named, the rest counted',
      input: [
        node({ status: 'Failed' }),
        ...['1', '2', '3', '4', '5'].map((id) =>
          node({ nodeId: `node-${id}`, nodeName: '', status: 'Terminated' }),
        ),
      ],
      want: {
        conditions: expect.arrayContaining([
          expect.objectContaining({
            type: 'Ready',
            message:
              'Node "dlc-train" (node-train0001) failed; failed: node node-1 Terminated, node node-2 Terminated, node node-3 Terminated and 2 more',
          }),
        ]) as unknown,
      },
    },
    {
      name: 'children sorted by start time, unstarted last, ties by nodeId',
      input: [
        node(),
        node({ nodeId: 'node-d', nodeName: '', status: 'Initialized', startedAt: undefined }),
        node({ nodeId: 'node-c', nodeName: '', startedAt: '2025-03-01T09:59:10.000Z' }),
        node({ nodeId: 'node-a', nodeName: '', status: 'Initialized', startedAt: undefined }),
        node({ nodeId: 'node-b', nodeName: '', startedAt: '2025-03-01T09:59:10.000Z' }),
        node({ nodeId: 'node-e', nodeName: '', status: 'Succeed', startedAt: '2025-03-01T09:59:00.000Z' }),
      ],
      want: {
        children: ['node-e', 'node-b', 'node-c', 'node-a', 'node-d'].map((nodeId) => ({ nodeId })),
        childrenTotal: 5,
        progress: '1/5',
      },
    },
  ];
  it.each(rows)('$name', ({ input, want }) => {
    const status = compute(observed(...input));
    const { absent = [], ...present } = want;
    expect(status).toMatchObject(present);
    for (const key of absent) expect(status).not.toHaveProperty(key);
    expectAdmitted(status);
  });

  it('caps 500 children at 50, with true counts', () => {
    const children = Array.from({ length: 500 }, (_, i) =>
      node({
        nodeId: `node-${String(i).padStart(3, '0')}`,
        nodeName: `step-${i}`,
        status: i < 200 ? 'Succeeded' : 'Running',
        startedAt: new Date(T0 - 3_600_000 + i * SECOND).toISOString(),
      }),
    );
    const status = compute(observed(node(), ...children.reverse()));
    expect(status.children).toHaveLength(50);
    expect(status.children?.[0]?.nodeId).toBe('node-000');
    expect(status.children?.[49]?.nodeId).toBe('node-049');
    expect(status).toMatchObject({ childrenTotal: 500, childrenTruncated: true, progress: '200/500' });
    expectAdmitted(status);
  });

  it('bounds everything to the CRD even with the largest limits and absurd input', () => {
    const huge = 'n'.repeat(5000);
    const status = compute(
      observed(
        node({
          nodeName: huge,
          status: huge,
          runtimeInfo: { raw: '…', parsed: { [`A${huge}`]: huge, ...big(200, 5000) } },
        }),
        ...Array.from({ length: 300 }, (_, i) => node({ nodeId: `c${i}`, nodeName: huge, status: huge })),
      ),
      undefined,
      T0,
      {
        reconcileRequestedAt: huge,
        limits: {
          maxChildren: 100,
          maxRuntimeInfoKeys: 64,
          maxRuntimeInfoValueLength: 1024,
          maxRuntimeInfoRawLength: 4096,
        },
      },
    );
    expect(status.children).toHaveLength(100);
    expect(Object.keys(status.runtimeInfo ?? {})).toHaveLength(64);
    expect(Object.keys(status.runtimeInfo ?? {})[0]).toHaveLength(256);
    expectAdmitted(status);
  });

  it('an answer without the tracked node is a transient failure', () => {
    const status = compute(observed(node({ nodeId: 'node-other' })));
    expect(gist(status)).toEqual([
      'Ready=Unknown/NodeNotReported',
      'Reconciling=True/NodeNotReported',
      'Stalled=False/NodeNotReported',
      'Synced=False/NodeNotReported',
    ]);
    expect(status.phase).toBeUndefined();
    expect(status.lastSyncTime).toBeUndefined();
  });
});

describe('computeStatus: failed polls', () => {
  const running = compute(observed(node()), undefined, T0);
  const later = T0 + 10 * MINUTE;

  it('a transient failure keeps the observation and says since when it is stale', () => {
    const status = compute(failed('Throttled', false, 'PAIFlow is throttling this account'), running, later);
    expect(gist(status)).toEqual([
      'Ready=Unknown/Progressing',
      'Reconciling=True/Progressing',
      'Stalled=False/Progressing',
      'Synced=False/Throttled',
    ]);
    const { conditions: _, ...observation } = running;
    expect(status).toMatchObject({ ...observation, reason: 'Throttled' });
    expect(condition(status, 'Ready')?.message).toBe(
      'Node "dlc-train" (node-train0001) is Running; polling is failing (Throttled), last successful poll recorded at 2025-03-01T10:00:00Z',
    );
    expect(condition(status, 'Synced')).toMatchObject({
      message: 'Polling PAIFlow failed (Throttled): PAIFlow is throttling this account',
      lastTransitionTime: iso(later),
    });
    // Ready did not flip: its transition time stays.
    expect(condition(status, 'Ready')?.lastTransitionTime).toBe(iso(T0));
    expectAdmitted(status);
  });

  it('repeated identical failures compute an identical status', () => {
    const first = compute(failed('ServerError', false), running, later);
    const again = compute(failed('ServerError', false), first, later + 3 * REFRESH);
    expect(again).toEqual(first);
    expect(statusEqual(first, again)).toBe(true);
  });

  it('drops the RequestId that makes every failure message different', () => {
    const attempt = (id: string): PollOutcome =>
      failed(
        'ServerError',
        false,
        `PAIFlow ListPipelineRunNodeStatus failed with InternalError (HTTP 500); retry later (RequestId ${id})`,
      );
    const first = compute(attempt('473469C7-AAAA'), running, later);
    expect(condition(first, 'Synced')?.message).toBe(
      'Polling PAIFlow failed (ServerError): PAIFlow ListPipelineRunNodeStatus failed with InternalError (HTTP 500); retry later',
    );
    expect(compute(attempt('473469C7-BBBB'), first, later + MINUTE)).toEqual(first);
  });

  it('drops the string to sign that makes every SignatureDoesNotMatch message different', () => {
    const attempt = (hash: string): PollOutcome =>
      failed(
        'Unauthorized',
        true,
        `PAIFlow ListPipelineRunNodeStatus failed with SignatureDoesNotMatch (HTTP 400): Specified signature is not matched with our calculation. server string to sign is: ACS3-HMAC-SHA256\n${hash}; check the AccessKey ID and secret`,
      );
    const first = compute(attempt('77213c756178614b'), running, later);
    expect(condition(first, 'Synced')?.message).toBe(
      'Polling PAIFlow failed (Unauthorized): PAIFlow ListPipelineRunNodeStatus failed with SignatureDoesNotMatch (HTTP 400): Specified signature is not matched with our calculation.; check the AccessKey ID and secret',
    );
    expect(compute(attempt('4ec276eec644a460'), first, later + MINUTE)).toEqual(first);
  });

  it('a permanent failure stalls the resource, keeping the last phase', () => {
    const status = compute(failed('Forbidden', true, 'check the RAM policy'), running, later);
    expect(gist(status)).toEqual([
      'Ready=False/Forbidden',
      'Reconciling=False/Forbidden',
      'Stalled=True/Forbidden',
      'Synced=False/Forbidden',
    ]);
    expect(status.phase).toBe('Running');
    expect(condition(status, 'Ready')?.message).toBe(
      'Cannot poll PAIFlow (Forbidden): check the RAM policy; last observed: node "dlc-train" (node-train0001) was Running (last successful poll recorded at 2025-03-01T10:00:00Z)',
    );
    expect(condition(status, 'Stalled')?.lastTransitionTime).toBe(iso(later));
  });

  it('recovery sets Synced True and clears Stalled', () => {
    const stalled = compute(failed('Unauthorized', true), running, later);
    const recovered = compute(observed(node()), stalled, later + MINUTE);
    expect(gist(recovered)).toEqual([
      'Ready=Unknown/Progressing',
      'Reconciling=True/Progressing',
      'Stalled=False/Progressing',
      'Synced=True/Polled',
    ]);
    expect(condition(recovered, 'Stalled')?.lastTransitionTime).toBe(iso(later + MINUTE));
    expect(condition(recovered, 'Synced')?.lastTransitionTime).toBe(iso(later + MINUTE));
    expect(recovered.lastSyncTime).toBe(iso(later + MINUTE));
  });

  it.each([
    {
      name: 'transient, before any observation',
      input: failed('NetworkError', false),
      want: {
        gist: [
          'Ready=Unknown/NetworkError',
          'Reconciling=True/NetworkError',
          'Stalled=False/NetworkError',
          'Synced=False/NetworkError',
        ],
        message:
          'Node node-train0001 of run flow-succeeds0001 not observed yet: polling is failing (NetworkError)',
      },
    },
    {
      name: 'permanent, before any observation',
      input: failed('CredentialsNotFound', true, 'no Secret creds'),
      want: {
        gist: [
          'Ready=False/CredentialsNotFound',
          'Reconciling=False/CredentialsNotFound',
          'Stalled=True/CredentialsNotFound',
          'Synced=False/CredentialsNotFound',
        ],
        message:
          'Cannot poll PAIFlow (CredentialsNotFound): no Secret creds; node node-train0001 of run flow-succeeds0001 not observed yet',
      },
    },
    {
      name: 'a reason that is not a CamelCase word',
      input: failed('not a reason!', false),
      want: {
        gist: [
          'Ready=Unknown/PollFailed',
          'Reconciling=True/PollFailed',
          'Stalled=False/PollFailed',
          'Synced=False/PollFailed',
        ],
        message:
          'Node node-train0001 of run flow-succeeds0001 not observed yet: polling is failing (PollFailed)',
      },
    },
  ])('$name', ({ input, want }) => {
    const status = compute(input);
    expect({ gist: gist(status), message: condition(status, 'Ready')?.message }).toEqual(want);
    expectAdmitted(status);
  });

  it('names the root node of the run when spec.nodeId is omitted', () => {
    const status = computeStatus({
      generation: 1,
      spec: { pipelineRunId: 'flow-x' },
      outcome: failed('Timeout', false),
      now: T0,
    });
    expect(condition(status, 'Ready')?.message).toBe(
      'The root node of run flow-x not observed yet: polling is failing (Timeout)',
    );
  });

  it.each([
    { name: 'transient', input: failed('ServerError', false) },
    { name: 'permanent', input: failed('NotFound', true) },
  ])('a finished node keeps its final conditions on a $name failure', ({ input }) => {
    const done = compute(observed(node({ status: 'Failed' })), undefined, T0);
    const status = compute(input, done, later);
    expect(gist(status)).toEqual([
      'Ready=False/Failed',
      'Reconciling=False/Failed',
      'Stalled=True/Failed',
      `Synced=False/${input.kind === 'failed' ? input.reason : ''}`,
    ]);
    expect(condition(status, 'Ready')).toEqual(condition(done, 'Ready'));
  });
});

describe('computeStatus: steady state and lastSyncTime', () => {
  const first = compute(observed(node()), undefined, T0);

  it('the same observation just before the refresh interval computes a deep-equal status', () => {
    const again = compute(observed(node()), first, T0 + REFRESH - SECOND);
    expect(again).toEqual(first);
    expect(statusEqual(again, first)).toBe(true);
  });

  it('refreshes lastSyncTime, and only it, once the interval has passed', () => {
    const again = compute(observed(node()), first, T0 + REFRESH);
    expect(again).toEqual({ ...first, lastSyncTime: iso(T0 + REFRESH) });
  });

  it('moves lastSyncTime with any other change', () => {
    const again = compute(observed(node({ status: 'Terminating' })), first, T0 + 10 * SECOND);
    expect(again.lastSyncTime).toBe(iso(T0 + 10 * SECOND));
    // Ready stays Unknown: its transition time stays.
    expect(condition(again, 'Ready')).toMatchObject({
      lastTransitionTime: iso(T0),
      message: 'Node "dlc-train" (node-train0001) is Terminating',
    });
  });

  it('a status flip moves lastTransitionTime; an unflipped condition keeps it', () => {
    const done = compute(observed(node({ status: 'Succeeded' })), first, T0 + MINUTE);
    expect(condition(done, 'Ready')?.lastTransitionTime).toBe(iso(T0 + MINUTE));
    expect(condition(done, 'Reconciling')?.lastTransitionTime).toBe(iso(T0 + MINUTE));
    expect(condition(done, 'Stalled')?.lastTransitionTime).toBe(iso(T0));
    expect(condition(done, 'Synced')?.lastTransitionTime).toBe(iso(T0));
  });

  it('a new generation is a change', () => {
    const again = compute(observed(node()), first, T0 + SECOND, { generation: 2 });
    expect(again.observedGeneration).toBe(2);
    expect(again.conditions?.every((c) => c.observedGeneration === 2)).toBe(true);
    expect(again.lastSyncTime).toBe(iso(T0 + SECOND));
  });

  it('uses limits.syncRefreshIntervalMs', () => {
    const again = compute(observed(node()), first, T0 + MINUTE, {
      limits: { syncRefreshIntervalMs: MINUTE },
    });
    expect(again.lastSyncTime).toBe(iso(T0 + MINUTE));
  });

  it('echoes the reconcile request, and keeps the echo afterwards', () => {
    const handled = compute(observed(node()), first, T0 + SECOND, { reconcileRequestedAt: 'now-please' });
    expect(handled.lastHandledReconcileAt).toBe('now-please');
    expect(compute(observed(node()), handled, T0 + 2 * SECOND)).toEqual(handled);
  });

  it('drops condition types it does not own', () => {
    const foreign = {
      ...first,
      conditions: [
        ...(first.conditions ?? []),
        { type: 'Other', status: 'True' as const, reason: 'X', message: '', lastTransitionTime: iso(T0) },
      ],
    };
    // Dropping it is a change, which also refreshes lastSyncTime.
    expect(compute(observed(node()), foreign, T0 + SECOND)).toEqual({
      ...first,
      lastSyncTime: iso(T0 + SECOND),
    });
  });
});

describe('computeStatus: idempotence', () => {
  const running = compute(observed(node()), undefined, T0 - MINUTE);
  const outcomes: { name: string; input: PollOutcome }[] = [
    { name: 'running', input: observed(node()) },
    { name: 'succeeded', input: observed(node({ status: 'Succeeded' })) },
    { name: 'failed node', input: observed(node({ status: 'Failed' })) },
    { name: 'unrecognised', input: observed(node({ status: 'Weird' })) },
    { name: 'transient failure', input: failed('Throttled', false) },
    { name: 'permanent failure', input: failed('Forbidden', true) },
    { name: 'suspended', input: { kind: 'suspended' } },
    { name: 'pending', input: { kind: 'pending', message: 'not started' } },
    { name: 'node not reported', input: observed(node({ nodeId: 'other' })) },
  ];
  describe.each([
    { case: 'from nothing', previous: undefined },
    { case: 'from a running node', previous: running },
  ])('$case', ({ previous }) => {
    it.each(outcomes)('$name is a fixed point', ({ input }) => {
      const once = compute(input, previous, T0);
      expect(compute(input, once, T0)).toEqual(once);
      // ...and stays one until lastSyncTime is due for a refresh.
      const due = Date.parse(once.lastSyncTime ?? iso(T0)) + REFRESH;
      expect(compute(input, once, due - SECOND)).toEqual(once);
      expectAdmitted(once);
    });
  });
});

describe('computeStatus: limits', () => {
  it.each([
    {
      name: 'too many children',
      input: { maxChildren: 101 },
      want: 'expected maxChildren to be an integer from 0 to 100, got 101',
    },
    {
      name: 'not an integer',
      input: { maxRuntimeInfoKeys: 1.5 },
      want: 'expected maxRuntimeInfoKeys to be an integer from 0 to 64, got 1.5',
    },
    {
      name: 'too short',
      input: { maxRuntimeInfoValueLength: 2 },
      want: 'expected maxRuntimeInfoValueLength to be an integer from 8 to 1024, got 2',
    },
  ])('rejects $name', ({ input, want }) => {
    expect(() => compute(observed(node()), undefined, T0, { limits: input })).toThrow(want);
  });

  it('maxChildren 0 lists none but counts them', () => {
    const status = compute(observed(node(), node({ nodeId: 'c' })), undefined, T0, {
      limits: { maxChildren: 0 },
    });
    expect(status).toMatchObject({ childrenTotal: 1, childrenTruncated: true });
    expect(status).not.toHaveProperty('children');
  });
});
