import {
  ACCESS_KEY,
  callsFor,
  condition,
  createSecret,
  eventsAbout,
  getResource,
  kubectlWithInput,
  NAMESPACE,
  pipelineRunNode,
  startKubeSimEnvironment,
  waitFor,
  waitForResource,
  type KubeSimEnvironment,
} from '../support/environment.ts';

// Where the controller's PAIFlow credentials come from, and where they may go: a Secret in the
// resource's own namespace only, an endpoint on the allow-list only, a share token from a Secret.

const STALLED_RETRY_MS = 300;
const SECRET_TTL_MS = 200;
// Recovery needs one stalled retry after the Secret's cache entry expired, plus a poll.
const RECOVERY_MS = STALLED_RETRY_MS + SECRET_TTL_MS + 2000;
const OTHER_NAMESPACE = 'team-b';
const SHARE_TOKEN = 'share-token-0123';

let env: KubeSimEnvironment;

beforeAll(async () => {
  env = await startKubeSimEnvironment({
    runs: [
      { id: 'flow-creds0001', nodes: [{ id: 'node-a', duration: '10h' }] },
      { id: 'flow-creds0002', nodes: [{ id: 'node-a', duration: '10h' }] },
      { id: 'flow-creds0003', nodes: [{ id: 'node-a', duration: '10h' }] },
      { id: 'flow-shared001', shareToken: SHARE_TOKEN, nodes: [{ id: 'node-a', duration: '10h' }] },
    ],
    manager: { stalledRetryMs: STALLED_RETRY_MS, secretCacheTtlMs: SECRET_TTL_MS },
  });
  env.paiflow.setTime(30_000);
});

afterAll(async () => {
  await env.close();
});

function secretManifest(name: string, data: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE }, stringData: data };
}

test('wrong credentials stall with Unauthorized; fixing the Secret recovers without a restart', async () => {
  const wrong = 'not-the-secret-0123456789';
  await createSecret(env, 'wrong-credentials', {
    accessKeyId: ACCESS_KEY.accessKeyId,
    accessKeySecret: wrong,
  });
  env.kube.create(
    pipelineRunNode(env, 'wrong', {
      pipelineRunId: 'flow-creds0001',
      nodeId: 'node-a',
      credentialsSecretRef: { name: 'wrong-credentials' },
    }),
  );
  const r = await waitForResource(
    env,
    'wrong',
    (r) => condition(r, 'Stalled')?.status === 'True',
    'Stalled=True',
  );
  expect(condition(r, 'Stalled')).toMatchObject({ reason: 'Unauthorized' });
  expect(condition(r, 'Ready')).toMatchObject({ status: 'False', reason: 'Unauthorized' });
  expect(condition(r, 'Synced')).toMatchObject({ status: 'False', reason: 'Unauthorized' });
  expect(JSON.stringify(r.status)).not.toContain(wrong);
  // Retried every stalledRetryMs, the same failure is neither rewritten nor announced again.
  await waitFor(() => callsFor(env, 'flow-creds0001') >= 3, 'three rejected polls');
  expect((await getResource(env, 'wrong'))?.metadata.resourceVersion).toBe(r.metadata.resourceVersion);
  expect((await eventsAbout(env, 'wrong')).map((e) => [e.type, e.reason, e.count])).toEqual([
    ['Warning', 'PollingFailing', 1],
  ]);

  const applied = await kubectlWithInput(
    env,
    secretManifest('wrong-credentials', { ...ACCESS_KEY }),
    'apply',
    '-f',
    '-',
  );
  expect(applied).toMatchObject({ code: 0 });
  const fixed = await waitForResource(
    env,
    'wrong',
    (r) => condition(r, 'Synced')?.status === 'True',
    'Synced=True after the fix',
    RECOVERY_MS,
  );
  expect(fixed.status?.phase).toBe('Running');
  expect(condition(fixed, 'Stalled')).toMatchObject({ status: 'False', reason: 'Progressing' });
  expect(condition(fixed, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
  await waitFor(
    async () =>
      (await eventsAbout(env, 'wrong')).some((e) => e.type === 'Normal' && e.reason === 'PollingRecovered'),
    'a PollingRecovered Event',
  );
  const logs = env.logLines.join('');
  expect(logs).not.toContain(wrong);
  expect(logs).not.toContain(ACCESS_KEY.accessKeySecret);
});

test('a Secret that exists only in another namespace is never read: CredentialsNotFound', async () => {
  env.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: OTHER_NAMESPACE } });
  await createSecret(env, 'team-b-credentials', { ...ACCESS_KEY }, OTHER_NAMESPACE);
  // kube-sim counts requests without their namespace; a one-shot fault on GETs of Secrets in the
  // other namespace is the tripwire instead: it is still armed at the end only if none came.
  const tripwire = { verb: 'get', resource: 'secrets', namespace: OTHER_NAMESPACE } as const;
  env.kube.faults.add({ ...tripwire, code: 500, count: 1 });
  env.kube.create(
    pipelineRunNode(env, 'elsewhere', {
      pipelineRunId: 'flow-creds0002',
      nodeId: 'node-a',
      credentialsSecretRef: { name: 'team-b-credentials' },
    }),
  );
  const r = await waitForResource(
    env,
    'elsewhere',
    (r) => condition(r, 'Stalled')?.status === 'True',
    'Stalled=True',
  );
  expect(condition(r, 'Stalled')).toMatchObject({ reason: 'CredentialsNotFound' });
  expect(condition(r, 'Synced')).toMatchObject({ status: 'False', reason: 'CredentialsNotFound' });
  expect(condition(r, 'Stalled')?.message).toContain(`Secret ${NAMESPACE}/team-b-credentials`);
  expect(callsFor(env, 'flow-creds0002')).toBe(0);
  const armed = env.kube.faults.take({
    ...tripwire,
    group: '',
    subresource: '',
    name: 'team-b-credentials',
  });
  expect(armed).toBeDefined();

  // Once the Secret exists where it belongs, the resource recovers (after the cached "not found").
  await createSecret(env, 'team-b-credentials', { ...ACCESS_KEY });
  await waitForResource(
    env,
    'elsewhere',
    (r) => r.status?.phase === 'Running' && condition(r, 'Stalled')?.status === 'False',
    'Running once the Secret is in its namespace',
    RECOVERY_MS,
  );
});

test('an endpoint outside the allow-list is refused before any call', async () => {
  env.kube.create(
    pipelineRunNode(env, 'exfiltrate', {
      pipelineRunId: 'flow-creds0003',
      nodeId: 'node-a',
      endpoint: 'https://paiflow.attacker.example',
    }),
  );
  const r = await waitForResource(
    env,
    'exfiltrate',
    (r) => condition(r, 'Stalled')?.status === 'True',
    'Stalled=True',
  );
  expect(condition(r, 'Stalled')).toMatchObject({ reason: 'EndpointNotAllowed' });
  expect(condition(r, 'Ready')).toMatchObject({ status: 'False', reason: 'EndpointNotAllowed' });
  const message = condition(r, 'Stalled')?.message ?? '';
  expect(message).toContain('https://paiflow.attacker.example');
  // The allow-list is the operator's configuration, not for namespace users to read.
  expect(message).toContain("not in the controller's endpoint allow-list;");
  expect(message).not.toContain('127.0.0.1');
  expect(callsFor(env, 'flow-creds0003')).toBe(0);
});

test('a shared run is polled with the token from its Secret; a missing key says which', async () => {
  await createSecret(env, 'shared-run-token', { token: SHARE_TOKEN });
  env.kube.create(
    pipelineRunNode(env, 'shared', {
      pipelineRunId: 'flow-shared001',
      nodeId: 'node-a',
      tokenSecretRef: { name: 'shared-run-token', key: 'token' },
    }),
  );
  env.kube.create(
    pipelineRunNode(env, 'shared-wrong-key', {
      pipelineRunId: 'flow-shared001',
      nodeId: 'node-a',
      tokenSecretRef: { name: 'shared-run-token', key: 'tokenId' },
    }),
  );
  const shared = await waitForResource(env, 'shared', (r) => r.status?.phase === 'Running', 'Running');
  expect(condition(shared, 'Synced')).toMatchObject({ status: 'True' });
  expect(JSON.stringify(shared)).not.toContain(SHARE_TOKEN);

  const r = await waitForResource(
    env,
    'shared-wrong-key',
    (r) => condition(r, 'Stalled')?.status === 'True',
    'Stalled=True',
  );
  expect(condition(r, 'Stalled')).toMatchObject({ reason: 'CredentialsNotFound' });
  expect(condition(r, 'Stalled')?.message).toContain(
    `Secret ${NAMESPACE}/shared-run-token has no non-empty key "tokenId" (spec.tokenSecretRef.key)`,
  );
  expect(r.status?.phase).toBeUndefined();
});
