import { systemClock } from '../../src/clock/clock.ts';
import { SecretReader } from '../../src/kube/secret-reader.ts';
import { startKubeApiServerCluster, type Cluster } from '../support/cluster.ts';
import {
  CONTROLLER_MAY,
  EVERY_USER_MAY,
  LEADER_ELECTION_MAY,
  METRICS_AUTH_MAY,
  permissions,
} from '../support/controller-permissions.ts';
import {
  ACCESS_KEY,
  CREDENTIALS_SECRET,
  condition,
  eventsAbout,
  getResource,
  pipelineRunNode,
  startEnvironment,
  waitFor,
  waitForResource,
  type Environment,
} from '../support/environment.ts';
import { describeWithKubeApiServer, START_TIMEOUT_MS } from '../support/kube-apiserver.ts';

// The chart's namespaced mode (watchNamespaces, deploy/namespaced) on the real API server, in every
// `npm test`: no paiflow-controller ClusterRole binding, a Role and RoleBinding in each watched
// namespace, the controller started with --namespaces. A lifecycle in two watched namespaces, a
// namespace it does not watch left alone, and the Secret boundary, which here the API server itself
// enforces. (PAIFLOW_TEST_RBAC=namespaced runs every end-to-end suite in this mode: docs/testing.md.)

const RUNS = [
  { id: 'flow-ns0001', nodes: [{ id: 'node-a', duration: '1m' }] },
  { id: 'flow-ns0002', nodes: [{ id: 'node-b', duration: '1m' }] },
];

let cluster: Cluster;

describeWithKubeApiServer('the controller in the namespaced mode, on the real API server', () => {
  beforeAll(async () => {
    cluster = await startKubeApiServerCluster('namespaced');
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await cluster.close();
  });

  const credentialsIn = (namespace: string) =>
    cluster.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: CREDENTIALS_SECRET, namespace },
      stringData: { ...ACCESS_KEY },
    });

  /** A namespace without the controller's Role (what it does not watch), with credentials in it. */
  async function unwatchedNamespace(name: string): Promise<string> {
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await credentialsIn(name);
    return name;
  }

  test('two watched namespaces go Running and Succeeded with their Events; an unwatched one is left alone', async () => {
    await cluster.createNamespace('second');
    const unwatched = await unwatchedNamespace('unwatched');
    const env = await startEnvironment({
      shared: { cluster, namespace: 'first' },
      runs: RUNS,
      manager: { namespaces: ['first', 'second'] },
    });
    try {
      const second: Environment = { ...env, namespace: 'second' };
      const elsewhere: Environment = { ...env, namespace: unwatched };
      await credentialsIn('second');
      // The unwatched one first: by the time the others are done, it would have been handled too.
      await cluster.create(
        pipelineRunNode(elsewhere, 'c', { pipelineRunId: 'flow-ns0001', nodeId: 'node-a' }),
      );
      await cluster.create(pipelineRunNode(env, 'a', { pipelineRunId: 'flow-ns0001', nodeId: 'node-a' }));
      await cluster.create(pipelineRunNode(second, 'b', { pipelineRunId: 'flow-ns0002', nodeId: 'node-b' }));
      const watched = [
        { env, name: 'a' },
        { env: second, name: 'b' },
      ];

      env.paiflow.setTime(30_000);
      for (const { env: e, name } of watched) {
        await waitForResource(e, name, (r) => r.status?.phase === 'Running', 'phase Running');
      }
      env.paiflow.setTime(5 * 60_000);
      for (const { env: e, name } of watched) {
        const r = await waitForResource(e, name, (x) => x.status?.phase === 'Succeeded', 'phase Succeeded');
        expect(condition(r, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
        // Events are created, and read and patched when one repeats: the Role's events verbs.
        await waitFor(
          async () => (await eventsAbout(e, name)).some((event) => event.reason === 'Succeeded'),
          `${e.namespace}/${name}: the Succeeded Event`,
        );
        expect((await eventsAbout(e, name)).map((event) => event.reason)).toEqual(
          expect.arrayContaining(['Started', 'Succeeded']),
        );
      }
      expect((await getResource(elsewhere, 'c'))?.status).toBeUndefined();
      expect(await eventsAbout(elsewhere, 'c')).toEqual([]);
      expect(env.logLines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    } finally {
      await env.close();
    }
  });

  test('RBAC grants the work in watched namespaces only; a Secret elsewhere is refused by the API server', async () => {
    await cluster.createNamespace('watched');
    const other = await unwatchedNamespace('other');
    await credentialsIn('watched');
    expect(await permissions(cluster.controllerKubeConfig, 'watched')).toEqual(
      [...CONTROLLER_MAY, ...EVERY_USER_MAY].sort(),
    );
    expect(await permissions(cluster.controllerKubeConfig, other)).toEqual(
      [...METRICS_AUTH_MAY, ...EVERY_USER_MAY].sort(),
    );
    // Its own namespace adds the leader election Lease and its Event (deploy/rbac/leader-election-role.yaml).
    expect(await permissions(cluster.controllerKubeConfig, 'paiflow-system')).toEqual(
      [...new Set([...METRICS_AUTH_MAY, ...LEADER_ELECTION_MAY, ...EVERY_USER_MAY])].sort(),
    );
    const reader = new SecretReader({ kubeConfig: cluster.controllerKubeConfig, clock: systemClock });
    expect((await reader.read('watched', CREDENTIALS_SECRET))?.get('accessKeyId')).toBe(
      ACCESS_KEY.accessKeyId,
    );
    await expect(reader.read(other, CREDENTIALS_SECRET)).rejects.toMatchObject({ code: 403 });
  });
});
