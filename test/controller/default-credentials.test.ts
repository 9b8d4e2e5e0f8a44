import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import {
  ACCESS_KEY,
  callsFor,
  condition,
  createSecret,
  eventsAbout,
  kubectl,
  NAMESPACE,
  pipelineRunNode,
  startWithNeighbour,
  waitFor,
  waitForResource,
  type Environment,
  type NeighbourEnvironments,
} from '../support/environment.ts';

// Issue 17, case 3: the controller's own credentials serve only the namespaces the operator lists
// (--default-credentials-namespaces). Elsewhere a resource without spec.credentialsSecretRef is
// refused before any PAIFlow call, with a condition and an Event naming the field and the fix, and
// naming its own Secret fixes it. Here the controller's own credentials are a valid key of the
// simulator, so a refused resource would have been polled without the limit.

const OTHER = 'team-b';

let tenants: NeighbourEnvironments;
let env: Environment;
let other: Environment;

beforeAll(async () => {
  tenants = await startWithNeighbour(OTHER, {
    runs: ['flow-owncreds01', 'flow-owncreds02'].map((id) => ({
      id,
      nodes: [{ id: 'node-a', duration: '10h' }],
    })),
    manager: { defaultCredentialsNamespaces: [NAMESPACE] },
  });
  ({ env, neighbour: other } = tenants);
  env.paiflow.setTime(30_000);
}, START_TIMEOUT_MS);

afterAll(async () => {
  await tenants.close();
});

/** A resource in `target`'s namespace without credentialsSecretRef. */
function withoutSecret(target: Environment, name: string, runId: string): Record<string, unknown> {
  const object = pipelineRunNode(target, name, { pipelineRunId: runId, nodeId: 'node-a' });
  const { credentialsSecretRef: _, ...spec } = object.spec as Record<string, unknown>;
  return { ...object, spec };
}

test('a listed namespace polls with the controller’s own credentials', async () => {
  await env.cluster.create(withoutSecret(env, 'own', 'flow-owncreds01'));
  const r = await waitForResource(env, 'own', (r) => r.status?.phase === 'Running', 'Running');
  expect(condition(r, 'Synced')).toMatchObject({ status: 'True' });
});

test('another namespace is refused with CredentialsRequired, before any PAIFlow call; its own Secret fixes it', async () => {
  await env.cluster.create(withoutSecret(other, 'borrower', 'flow-owncreds02'));
  const r = await waitForResource(
    other,
    'borrower',
    (r) => condition(r, 'Stalled')?.status === 'True',
    'Stalled=True',
  );
  for (const type of ['Stalled', 'Synced', 'Ready']) {
    expect(condition(r, type)).toMatchObject({ reason: 'CredentialsRequired' });
  }
  const message = condition(r, 'Stalled')?.message ?? '';
  expect(message).toContain(`spec.credentialsSecretRef is required in namespace ${OTHER}`);
  expect(message).toContain('--default-credentials-namespaces');
  expect(message).toContain('set spec.credentialsSecretRef.name');
  // The operator's list is not quoted to namespace users.
  expect(message).not.toContain(NAMESPACE);
  expect(callsFor(env, 'flow-owncreds02')).toBe(0);
  const events = await waitFor(async () => {
    const found = await eventsAbout(other, 'borrower');
    return found.length > 0 && found;
  }, 'a Warning Event');
  expect(events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'PollingFailing']]);
  expect(events[0]?.message).toContain('spec.credentialsSecretRef is required');
  // kubectl shows the reason at a glance.
  const listed = await kubectl(env, 'get', 'prn', '-n', OTHER);
  expect(listed.stdout).toContain('CredentialsRequired');

  await createSecret(env, 'own-credentials', { ...ACCESS_KEY }, OTHER);
  const patched = await kubectl(
    env,
    'patch',
    'prn',
    'borrower',
    '-n',
    OTHER,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { credentialsSecretRef: { name: 'own-credentials' } } }),
  );
  expect(patched).toMatchObject({ code: 0 });
  const fixed = await waitForResource(
    other,
    'borrower',
    (r) => r.status?.phase === 'Running',
    'Running with its own Secret',
  );
  expect(condition(fixed, 'Stalled')).toMatchObject({ status: 'False' });
});
