import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import { stringify } from 'yaml';
import {
  getResource,
  kubectlWithInput,
  NAMESPACE,
  startEnvironment,
  waitForResource,
  type Environment,
  type KubectlResult,
} from '../support/environment.ts';

// Invalid specs never reach the controller: the CRD (schema and CEL rules, enforced by kube-sim as
// by the real API server) rejects them, naming the field, when a user applies them with kubectl.
// Each table is applied by one `kubectl apply -f -` of a multi-document stream; kubectl reports every
// object's error on its own line, which keeps the file fast.

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({
    runs: [{ id: 'flow-valid0001', nodes: [{ id: 'node-a', duration: '10h' }] }],
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await env.close();
});

function manifest(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name, namespace: NAMESPACE },
    spec: { endpoint: env.paiflow.endpoint, ...spec },
  };
}

/** Applies `objects` as one multi-document stream (a `kind: List` would be validated client-side). */
function apply(objects: Record<string, unknown>[]): Promise<KubectlResult> {
  const stream = objects.map((o) => stringify(o)).join('---\n');
  return kubectlWithInput(env, stream, 'apply', '-f', '-');
}

/** kubectl's error line about one object: `... PipelineRunNode.paiflow.dev "<name>" is invalid: ...`. */
function errorAbout(result: KubectlResult, name: string): string | undefined {
  return result.stderr
    .split('\n')
    .find((line) => line.includes(`PipelineRunNode.paiflow.dev "${name}" is invalid: `));
}

const valid = { pipelineRunId: 'flow-valid0001', nodeId: 'node-a' };

describe('creating an invalid PipelineRunNode is rejected, naming the field', () => {
  const cases = [
    {
      name: 'depth-11',
      spec: { ...valid, depth: 11 },
      want: /spec\.depth: Invalid value: 11: .*less than or equal to 10/,
    },
    {
      name: 'depth-0',
      spec: { ...valid, depth: 0 },
      want: /spec\.depth: Invalid value: 0: .*greater than or equal to 1/,
    },
    { name: 'type-foo', spec: { ...valid, type: 'Foo' }, want: /spec\.type: Unsupported value: "Foo"/ },
    {
      name: 'poll-soon',
      spec: { ...valid, pollInterval: 'soon' },
      want: /spec\.pollInterval: Invalid value: "soon"/,
    },
    {
      name: 'poll-zero',
      spec: { ...valid, pollInterval: '0s' },
      want: /spec\.pollInterval: Invalid value: .*pollInterval must be more than 0s and at most 24h/,
    },
    {
      name: 'poll-25h',
      spec: { ...valid, pollInterval: '25h' },
      want: /spec\.pollInterval: Invalid value: .*at most 24h/,
    },
    { name: 'no-run-id', spec: { nodeId: 'node-a' }, want: /spec\.pipelineRunId: Required value/ },
    {
      name: 'token-no-key',
      spec: { ...valid, tokenSecretRef: { name: 'token' } },
      want: /spec\.tokenSecretRef\.key: Required value/,
    },
  ];
  let result: KubectlResult;

  beforeAll(async () => {
    result = await apply(cases.map((c) => manifest(c.name, c.spec)));
  });

  test('kubectl apply exits non-zero', () => {
    expect(result.code).not.toBe(0);
  });

  test.each(cases)('$name', async ({ name, want }) => {
    expect(errorAbout(result, name)).toMatch(want);
    expect(await getResource(env, name)).toBeUndefined();
  });
});

describe('changing the identity of a PipelineRunNode is rejected by CEL, naming the field', () => {
  const cases = [
    {
      name: 'run-id-changed',
      spec: { ...valid, pipelineRunId: 'flow-other0001' },
      want: /spec\.pipelineRunId: Invalid value: .*pipelineRunId is immutable/,
    },
    {
      name: 'node-id-changed',
      spec: { ...valid, nodeId: 'node-b' },
      want: /spec\.nodeId: Invalid value: .*nodeId is immutable/,
    },
    {
      name: 'node-id-removed',
      spec: { pipelineRunId: valid.pipelineRunId },
      want: /spec: Invalid value: .*nodeId cannot be added or removed after creation/,
    },
  ];
  let result: KubectlResult;

  beforeAll(async () => {
    const created = await apply(cases.map((c) => manifest(c.name, valid)));
    expect(created).toMatchObject({ code: 0, stderr: '' });
    for (const { name } of cases) {
      await waitForResource(env, name, (r) => r.status?.phase !== undefined, 'polled');
    }
    result = await apply(cases.map((c) => manifest(c.name, c.spec)));
  });

  test('kubectl apply exits non-zero', () => {
    expect(result.code).not.toBe(0);
  });

  test.each(cases)('$name', async ({ name, want }) => {
    expect(errorAbout(result, name)).toMatch(want);
    const stored = await getResource(env, name);
    expect(stored?.spec).toMatchObject(valid);
    expect(stored?.metadata.generation).toBe(1);
  });
});
