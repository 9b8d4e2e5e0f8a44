import { validateScenario } from './scenario.ts';
import { findNode, planRun, runViewAt, type Intervention, type NodeView } from './status-model.ts';

const scenario = validateScenario({
  settings: { readyToSchedule: '1s', starting: '2s', terminating: '2s' },
  runs: [
    {
      id: 'flow-mixed',
      startAfter: '10s',
      nodes: [
        {
          id: 'a',
          duration: '30s',
          runtimeInfo: { DLC_INSTANCE_IDS: 'i-1,i-2' },
          physical: [{ id: 'p1', duration: '10s' }, { id: 'p2' }],
        },
        { id: 'b', dependsOn: ['a'], duration: '20s', outcome: 'fail' },
        { id: 'c', dependsOn: ['b'], duration: '5s' },
        { id: 'd', dependsOn: ['a'], duration: '60s', outcome: 'terminate' },
      ],
    },
    {
      id: 'flow-suspend',
      nodes: [
        { id: 's', duration: '5s', outcome: 'suspend' },
        { id: 'w', dependsOn: ['s'], duration: '5s' },
      ],
    },
    {
      id: 'flow-nested',
      nodes: [
        {
          id: 'train',
          children: [
            { id: 'prep', duration: '4s' },
            { id: 'fit', dependsOn: ['prep'], duration: '6s' },
          ],
        },
        { id: 'deploy', dependsOn: ['train'], duration: '2s' },
      ],
    },
    {
      // A condition node whose false branch is not taken: PAI skips it and what depends on it.
      id: 'flow-branch',
      nodes: [
        { id: 'check', duration: '3s' },
        { id: 'then', dependsOn: ['check'], duration: '5s' },
        { id: 'else', dependsOn: ['check'], outcome: 'skip' },
        { id: 'after-else', dependsOn: ['else'], duration: '5s' },
      ],
    },
    { id: 'flow-queued-fail', startAfter: '20s', endsQueued: 'fail', nodes: [{ id: 'q', duration: '1s' }] },
  ],
});

describe('skipped branches and runs that end queued', () => {
  it('a branch not taken is Skipped with its downstream, and the run still succeeds', () => {
    // check: ready 0, running 3..6; then: ready 6, running 9..14.
    expect(nodeAt('flow-branch', 'else', 5).status).toBe('Initialized');
    expect(nodeAt('flow-branch', 'else', 6)).toMatchObject({ status: 'Skipped', finishedAtMs: s(6) });
    expect(nodeAt('flow-branch', 'after-else', 6).status).toBe('Skipped');
    expect(viewOf('flow-branch', 10).status).toBe('Running');
    expect(viewOf('flow-branch', 14)).toMatchObject({ status: 'Succeeded', started: true });
  });

  it('a run that ends queued never gets a root node', () => {
    expect(viewOf('flow-queued-fail', 19)).toMatchObject({ status: 'Initialized', started: false });
    expect(viewOf('flow-queued-fail', 20)).toMatchObject({
      status: 'Failed',
      started: false,
      endedAtMs: s(20),
    });
    expect(viewOf('flow-queued-fail', 999)).toMatchObject({ status: 'Failed', started: false });
  });
});

function viewOf(runId: string, at: number, interventions: Intervention[] = []): ReturnType<typeof runViewAt> {
  const run = scenario.runs.find((r) => r.id === runId);
  if (!run) throw new Error(`no run ${runId}`);
  return runViewAt(planRun(run, 0, scenario.settings, interventions), at * 1000);
}

function nodeAt(runId: string, nodeId: string, at: number, interventions: Intervention[] = []): NodeView {
  const view = viewOf(runId, at, interventions);
  const node =
    findNode(view.root, nodeId) ?? view.root.children.flatMap((c) => c.physical).find((p) => p.id === nodeId);
  if (!node) throw new Error(`no node ${nodeId}`);
  return node;
}

const s = (seconds: number): number => seconds * 1000;

describe('node status at chosen instants', () => {
  test.each([
    {
      name: 'before the run starts',
      run: 'flow-mixed',
      node: 'a',
      at: 5,
      want: 'Initialized',
      started: undefined,
      finished: undefined,
    },
    {
      name: 'ready to schedule at start',
      run: 'flow-mixed',
      node: 'a',
      at: 10,
      want: 'ReadyToSchedule',
      started: 10,
      finished: undefined,
    },
    {
      name: 'starting',
      run: 'flow-mixed',
      node: 'a',
      at: 12,
      want: 'Starting',
      started: 10,
      finished: undefined,
    },
    {
      name: 'running',
      run: 'flow-mixed',
      node: 'a',
      at: 13,
      want: 'Running',
      started: 10,
      finished: undefined,
    },
    {
      name: 'succeeded after its duration',
      run: 'flow-mixed',
      node: 'a',
      at: 43,
      want: 'Succeeded',
      started: 10,
      finished: 43,
    },
    {
      name: 'waits on its dependency',
      run: 'flow-mixed',
      node: 'b',
      at: 42,
      want: 'Initialized',
      started: undefined,
      finished: undefined,
    },
    {
      name: 'ready when the dependency succeeds',
      run: 'flow-mixed',
      node: 'b',
      at: 43,
      want: 'ReadyToSchedule',
      started: 43,
      finished: undefined,
    },
    { name: 'fails', run: 'flow-mixed', node: 'b', at: 66, want: 'Failed', started: 43, finished: 66 },
    {
      name: 'downstream waits',
      run: 'flow-mixed',
      node: 'c',
      at: 65,
      want: 'Initialized',
      started: undefined,
      finished: undefined,
    },
    {
      name: 'downstream of a failure is skipped',
      run: 'flow-mixed',
      node: 'c',
      at: 66,
      want: 'Skipped',
      started: undefined,
      finished: 66,
    },
    {
      name: 'terminating',
      run: 'flow-mixed',
      node: 'd',
      at: 107,
      want: 'Terminating',
      started: 43,
      finished: undefined,
    },
    {
      name: 'terminated',
      run: 'flow-mixed',
      node: 'd',
      at: 108,
      want: 'Terminated',
      started: 43,
      finished: 108,
    },
    {
      name: 'root running',
      run: 'flow-mixed',
      node: 'flow-mixed-root',
      at: 70,
      want: 'Running',
      started: 10,
      finished: undefined,
    },
    {
      name: 'root terminating',
      run: 'flow-mixed',
      node: 'flow-mixed-root',
      at: 106,
      want: 'Terminating',
      started: 10,
      finished: undefined,
    },
    {
      name: 'root failed',
      run: 'flow-mixed',
      node: 'flow-mixed-root',
      at: 200,
      want: 'Failed',
      started: 10,
      finished: 108,
    },
    {
      name: 'physical with own duration ends first',
      run: 'flow-mixed',
      node: 'p1',
      at: 23,
      want: 'Succeeded',
      started: 13,
      finished: 23,
    },
    {
      name: 'physical follows its node',
      run: 'flow-mixed',
      node: 'p2',
      at: 42,
      want: 'Running',
      started: 13,
      finished: undefined,
    },
    {
      name: 'suspended',
      run: 'flow-suspend',
      node: 's',
      at: 8,
      want: 'Suspended',
      started: 0,
      finished: undefined,
    },
    {
      name: 'behind a suspended node for ever',
      run: 'flow-suspend',
      node: 'w',
      at: 10_000,
      want: 'Initialized',
      started: undefined,
      finished: undefined,
    },
    {
      name: 'root suspended',
      run: 'flow-suspend',
      node: 'flow-suspend-root',
      at: 8,
      want: 'Suspended',
      started: 0,
      finished: undefined,
    },
    {
      name: 'sub-pipeline running',
      run: 'flow-nested',
      node: 'train',
      at: 8,
      want: 'Running',
      started: 0,
      finished: undefined,
    },
    {
      name: 'sub-pipeline child',
      run: 'flow-nested',
      node: 'fit',
      at: 8,
      want: 'Starting',
      started: 7,
      finished: undefined,
    },
    {
      name: 'sub-pipeline succeeded',
      run: 'flow-nested',
      node: 'train',
      at: 16,
      want: 'Succeeded',
      started: 0,
      finished: 16,
    },
    {
      name: 'after the sub-pipeline',
      run: 'flow-nested',
      node: 'deploy',
      at: 16,
      want: 'ReadyToSchedule',
      started: 16,
      finished: undefined,
    },
  ])('$name', ({ run, node, at, want, started, finished }) => {
    const view = nodeAt(run, node, at);
    expect({ status: view.status, started: view.startedAtMs, finished: view.finishedAtMs }).toEqual({
      status: want,
      started: started === undefined ? undefined : s(started),
      finished: finished === undefined ? undefined : s(finished),
    });
  });
});

describe('run level and details', () => {
  test('the run is Initialized and has no root node before it starts', () => {
    expect(viewOf('flow-mixed', 9)).toMatchObject({ started: false, status: 'Initialized' });
    expect(viewOf('flow-mixed', 10)).toMatchObject({ started: true, status: 'Running' });
  });

  test('RuntimeInfo appears once the node has started', () => {
    expect(nodeAt('flow-mixed', 'a', 9).runtimeInfo).toBe('{}');
    expect(nodeAt('flow-mixed', 'a', 10).runtimeInfo).toBe('{"DLC_INSTANCE_IDS":"i-1,i-2"}');
  });

  test('physical nodes exist only once their logical node runs', () => {
    expect(nodeAt('flow-mixed', 'a', 12).physical).toEqual([]);
    expect(nodeAt('flow-mixed', 'a', 13).physical.map((p) => [p.id, p.status])).toEqual([
      ['p1', 'Running'],
      ['p2', 'Running'],
    ]);
  });
});

describe('interventions change the future, never the past', () => {
  test.each([
    {
      name: 'fail a running node now',
      change: { nodeId: 'a', outcome: 'fail', atMs: s(20) },
      node: 'a',
      at: 20,
      want: 'Failed',
    },
    {
      name: 'the past stays',
      change: { nodeId: 'a', outcome: 'fail', atMs: s(20) },
      node: 'a',
      at: 19,
      want: 'Running',
    },
    {
      name: 'its downstream is skipped',
      change: { nodeId: 'a', outcome: 'fail', atMs: s(20) },
      node: 'd',
      at: 20,
      want: 'Skipped',
    },
    {
      name: 'terminate now',
      change: { nodeId: 'd', outcome: 'terminate', atMs: s(50) },
      node: 'd',
      at: 51,
      want: 'Terminating',
    },
    {
      name: 'finish a long node now',
      change: { nodeId: 'd', outcome: 'succeed', atMs: s(50) },
      node: 'd',
      at: 50,
      want: 'Succeeded',
    },
    {
      name: 'a node that already ended is unchanged',
      change: { nodeId: 'a', outcome: 'fail', atMs: s(60) },
      node: 'a',
      at: 60,
      want: 'Succeeded',
    },
    {
      name: 'a node not yet ready ends as soon as it is',
      change: { nodeId: 'b', outcome: 'fail', atMs: s(20) },
      node: 'b',
      at: 43,
      want: 'Failed',
    },
  ] as const)('$name', ({ change, node, at, want }) => {
    expect(nodeAt('flow-mixed', node, at, [change]).status).toBe(want);
  });
});
