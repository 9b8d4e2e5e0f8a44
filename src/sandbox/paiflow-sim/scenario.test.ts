import { readFileSync } from 'node:fs';
import { parseScenarioYaml, ScenarioError, validateRuns, validateScenario } from './scenario.ts';

function issuesOf(action: () => unknown): { path: string; message: string; line?: number }[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ScenarioError) return error.issues;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

const leaf = { id: 'a', duration: '5s' };

describe('scenario validation names the path and the fix', () => {
  test.each([
    { name: 'missing run id', input: { runs: [{ nodes: [leaf] }] }, path: 'runs[0].id', message: /required/ },
    {
      name: 'missing nodes',
      input: { runs: [{ id: 'r' }] },
      path: 'runs[0].nodes',
      message: /at least one node/,
    },
    {
      name: 'empty nodes',
      input: { runs: [{ id: 'r', nodes: [] }] },
      path: 'runs[0].nodes',
      message: /at least one node/,
    },
    {
      name: 'bad duration',
      input: { runs: [{ id: 'r', nodes: [{ id: 'a', duration: '5 minutes' }] }] },
      path: 'runs[0].nodes[0].duration',
      message: /expected a duration such as 30s, 5m or 1h30m, got "5 minutes"/,
    },
    {
      name: 'number as duration',
      input: { runs: [{ id: 'r', nodes: [{ id: 'a', duration: 30 }] }] },
      path: 'runs[0].nodes[0].duration',
      message: /got 30/,
    },
    {
      name: 'unknown field (typo)',
      input: { runs: [{ id: 'r', nodes: [{ ...leaf, dependOn: [] }] }] },
      path: 'runs[0].nodes[0].dependOn',
      message: /unknown field; expected one of id, name, dependsOn/,
    },
    {
      name: 'bad outcome',
      input: { runs: [{ id: 'r', nodes: [{ ...leaf, outcome: 'crash' }] }] },
      path: 'runs[0].nodes[0].outcome',
      message: /expected one of succeed, fail, terminate, suspend/,
    },
    {
      name: 'dependency that is not a sibling',
      input: { runs: [{ id: 'r', nodes: [{ ...leaf, dependsOn: ['zz'] }] }] },
      path: 'runs[0].nodes[0].dependsOn[0]',
      message: /"zz" is not a sibling node; expected one of a/,
    },
    {
      name: 'cycle',
      input: {
        runs: [
          {
            id: 'r',
            nodes: [
              { id: 'a', duration: '1s', dependsOn: ['b'] },
              { id: 'b', duration: '1s', dependsOn: ['a'] },
            ],
          },
        ],
      },
      path: 'runs[0].nodes[0].dependsOn',
      message: /dependency cycle a -> b -> a/,
    },
    {
      name: 'duplicate node id',
      input: { runs: [{ id: 'r', nodes: [leaf, { ...leaf, physical: [{ id: 'a' }] }] }] },
      path: 'runs[0].nodes',
      message: /node id "a" is used twice/,
    },
    {
      name: 'duplicate run id',
      input: {
        runs: [
          { id: 'r', nodes: [leaf] },
          { id: 'r', nodes: [leaf] },
        ],
      },
      path: 'runs[1].id',
      message: /run id "r" is used twice/,
    },
    {
      name: 'duration on a node with children',
      input: { runs: [{ id: 'r', nodes: [{ id: 'p', duration: '1s', children: [leaf] }] }] },
      path: 'runs[0].nodes[0].duration',
      message: /takes its status and timing from them; remove this field/,
    },
    {
      name: 'runtimeInfo of the wrong type',
      input: { runs: [{ id: 'r', nodes: [{ ...leaf, runtimeInfo: [1] }] }] },
      path: 'runs[0].nodes[0].runtimeInfo',
      message: /mapping \(emitted as a JSON string\) or a raw string/,
    },
    {
      name: 'bad settings',
      input: { settings: { unsetTimes: 'null' }, runs: [] },
      path: 'settings.unsetTimes',
      message: /expected absent or empty/,
    },
  ])('$name', ({ input, path, message }) => {
    const issues = issuesOf(() => validateScenario(input));
    expect(issues).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
  });

  test('every problem is reported, not only the first', () => {
    const issues = issuesOf(() => validateScenario({ runs: [{ nodes: [{ id: 'a' }] }, 'oops'] }));
    expect(issues.map((i) => i.path)).toEqual(['runs[0].id', 'runs[0].nodes[0].duration', 'runs[1]']);
  });

  test('defaults', () => {
    const [run] = validateRuns({
      id: 'flow-1',
      nodes: [{ id: 'a', duration: '1m30s', runtimeInfo: 'not json' }],
    });
    expect(run).toEqual({
      id: 'flow-1',
      name: 'flow-1',
      rootNodeId: 'flow-1-root',
      shareToken: undefined,
      startAfterMs: 0,
      workspaceId: undefined,
      pipelineId: undefined,
      nodes: [
        {
          id: 'a',
          name: 'a',
          dependsOn: [],
          durationMs: 90_000,
          outcome: 'succeed',
          runtimeInfo: 'not json',
          physical: [],
          children: [],
        },
      ],
    });
  });
});

describe('YAML files', () => {
  test('issues carry the line and column in the file', () => {
    const text = [
      'runs:',
      '  - id: flow-1',
      '    nodes:',
      '      - id: a',
      '        duration: soon',
      '',
    ].join('\n');
    const error = (() => {
      try {
        parseScenarioYaml(text, 'my.yaml');
      } catch (e) {
        return e as ScenarioError;
      }
      throw new Error('expected an error');
    })();
    expect(error.issues).toEqual([
      expect.objectContaining({ path: 'runs[0].nodes[0].duration', line: 5, column: 19 }),
    ]);
    expect(error.message).toContain('my.yaml: invalid scenario (1 problem):');
    expect(error.message).toContain('runs[0].nodes[0].duration (line 5, column 19): expected a duration');
  });

  test('a missing field points at its parent', () => {
    const issues = issuesOf(() => parseScenarioYaml('runs:\n  - nodes:\n      - {id: a, duration: 1s}\n'));
    expect(issues).toEqual([expect.objectContaining({ path: 'runs[0].id', line: 2, column: 5 })]);
  });

  test('YAML syntax errors', () => {
    const issues = issuesOf(() => parseScenarioYaml('runs: [\n'));
    expect(issues[0]?.message).toMatch(/^YAML syntax/);
  });

  test('the sample scenario is valid', () => {
    const text = readFileSync(
      new URL('../../../deploy/samples/paiflow-scenario.yaml', import.meta.url),
      'utf8',
    );
    const scenario = parseScenarioYaml(text);
    expect(scenario.runs.length).toBeGreaterThanOrEqual(7);
  });
});
