import { CoordinationV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { systemClock } from '../../src/clock/clock.ts';
import { EventRecorder } from '../../src/kube/event-recorder.ts';
import { SecretReader } from '../../src/kube/secret-reader.ts';
import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import {
  applyManifests,
  readManifests,
  startKubeApiServerCluster,
  type Cluster,
} from '../support/cluster.ts';
import {
  ACCESS_KEY,
  CREDENTIALS_SECRET,
  condition,
  pipelineRunNode,
  startEnvironment,
  waitFor,
  waitForResource,
  type Environment,
} from '../support/environment.ts';
import { LeaderElector, type ElectorEvent } from '../../src/controller/leaderelection/leader-elector.ts';
import { KubeLeaseStore } from '../../src/kube/lease-store.ts';
import {
  CONTROLLER_MAY,
  EVERY_USER_MAY,
  LEADER_ELECTION_MAY,
  permissionLines,
  permissions,
  RECONCILE_MAY,
  type PolicyRule,
} from '../support/controller-permissions.ts';
import { describeWithKubeApiServer } from '../support/kube-apiserver.ts';

// The shipped RBAC, proven on the real API server (kube-sim authorizes everything): the controller's
// ServiceAccount may do exactly what CONTROLLER_MAY (test/support/controller-permissions.ts) lists,
// and each verb of its paiflow-controller role earns its place: without it the controller fails, saying which
// permission it lacks.

const RUN = 'flow-rbac0001';
const runs = [{ id: RUN, nodes: [{ id: 'node-a', duration: '1m' }] }];

/** deploy/rbac/clusterrole.yaml without `verb` on `resource`. */
function clusterRoleWithout(
  resource: string,
  verb: string,
  file = 'deploy/rbac/clusterrole.yaml',
): Record<string, unknown> {
  const role = readManifests(file)[0]!;
  const rules = role.rules as { resources: string[]; verbs: string[] }[];
  return {
    ...role,
    rules: rules
      .map((rule) =>
        rule.resources.includes(resource) ? { ...rule, verbs: rule.verbs.filter((v) => v !== verb) } : rule,
      )
      .filter((rule) => rule.verbs.length > 0),
  };
}

let cluster: Cluster;
let namespaces = 0;
/** A fresh namespace name for each test. */
const nextNamespace = (prefix: string) => `${prefix}-${++namespaces}`;

describeWithKubeApiServer('the controller under the shipped RBAC, on the real API server', () => {
  beforeAll(async () => {
    cluster = await startKubeApiServerCluster('cluster-wide');
  }, 120_000);
  afterAll(async () => {
    await cluster.close();
  });

  test('the ServiceAccount may do what CONTROLLER_MAY lists, and nothing more', async () => {
    const namespace = nextNamespace('least');
    await cluster.createNamespace(namespace);
    expect(await permissions(cluster.controllerKubeConfig, namespace)).toEqual(
      [...CONTROLLER_MAY, ...EVERY_USER_MAY].sort(),
    );
  });

  test('in its own namespace it may also do what LEADER_ELECTION_MAY lists: its Lease and Events', async () => {
    expect(await permissions(cluster.controllerKubeConfig, 'paiflow-system')).toEqual(
      [...new Set([...CONTROLLER_MAY, ...LEADER_ELECTION_MAY, ...EVERY_USER_MAY])].sort(),
    );
  });

  test('the paiflow-controller ClusterRole grants exactly RECONCILE_MAY, each verb tested below', () => {
    const rules = readManifests('deploy/rbac/clusterrole.yaml')[0]!.rules as PolicyRule[];
    expect(permissionLines(rules)).toEqual([...RECONCILE_MAY].sort());
  });

  describe('without each verb of deploy/rbac, the controller fails naming it', () => {
    const admin = () => cluster.server!.admin;
    const restore = () =>
      applyManifests(cluster.kubeconfigPath, readManifests('deploy/rbac/clusterrole.yaml'));
    afterEach(restore);

    /** Runs a controller on one resource under the ClusterRole without `verb` on `resource`. */
    async function withoutVerb(
      resource: string,
      verb: string,
      check: (env: Environment) => Promise<unknown>,
    ): Promise<void> {
      await applyManifests(cluster.kubeconfigPath, [clusterRoleWithout(resource, verb)]);
      const env = await startEnvironment({
        shared: { cluster, namespace: nextNamespace(`no-${verb}`) },
        runs,
        waitForSync: false,
      });
      try {
        env.paiflow.setTime(5 * 60_000); // finished: a status to write and an Event to record
        await env.cluster.create(pipelineRunNode(env, 'node', { pipelineRunId: RUN, nodeId: 'node-a' }));
        await check(env);
      } finally {
        await env.close();
        // Gone, so that the next case's controller does not pick it up.
        await admin().makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
          group: 'paiflow.dev',
          version: 'v1alpha1',
          plural: 'pipelinerunnodes',
          namespace: env.namespace,
          name: 'node',
        });
      }
    }

    const logged = (env: Environment, pattern: RegExp, what: string) =>
      waitFor(() => env.logLines.find((line) => pattern.test(line)), `a log line: ${what}`, 15_000);

    test('list pipelinerunnodes: the watch fails and says so', () =>
      withoutVerb('pipelinerunnodes', 'list', (env) =>
        logged(
          env,
          /cannot list resource \\"pipelinerunnodes\\" in API group \\"paiflow.dev\\" at the cluster scope.*watch failed/,
          'list forbidden',
        ),
      ));

    test('watch pipelinerunnodes: the watch fails and says what it needs', () =>
      withoutVerb('pipelinerunnodes', 'watch', (env) =>
        logged(
          env,
          /403 to a watch: the controller needs list and watch on pipelinerunnodes.paiflow.dev/,
          'watch forbidden',
        ),
      ));

    test('patch pipelinerunnodes/status: each status write fails, logged as an error naming it', () =>
      withoutVerb('pipelinerunnodes/status', 'patch', (env) =>
        logged(
          env,
          /"level":50.*cannot patch resource \\"pipelinerunnodes\/status\\".*status write forbidden/,
          'status patch forbidden',
        ),
      ));

    test('get secrets: the resource is Stalled, Forbidden, naming the verb', () =>
      withoutVerb('secrets', 'get', async (env) => {
        const r = await waitForResource(
          env,
          'node',
          (r) => condition(r, 'Synced')?.reason === 'Forbidden',
          'Forbidden',
        );
        expect(condition(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'Forbidden' });
        expect(condition(r, 'Synced')?.message).toMatch(
          /cannot get resource "secrets" in API group "" in the namespace "no-get-\d+"\): grant the controller get on secrets in this namespace/,
        );
      }));

    test('create events: each Event is refused, logged naming the verb', () =>
      withoutVerb('events', 'create', (env) =>
        logged(
          env,
          /cannot create resource \\"events\\".*an Event could not be recorded/,
          'event create forbidden',
        ),
      ));

    // An Event is read and patched only when it repeats: the EventRecorder, the controller's only
    // user of these verbs, records one twice.
    test.each(['get', 'patch'])('%s events: a repeated Event is refused, naming the verb', async (verb) => {
      const namespace = nextNamespace(`no-${verb}`);
      await cluster.createNamespace(namespace);
      const recorder = new EventRecorder({
        kubeConfig: cluster.controllerKubeConfig,
        clock: systemClock,
        component: 'paiflow-controller',
      });
      const object = {
        apiVersion: 'paiflow.dev/v1alpha1',
        kind: 'PipelineRunNode',
        metadata: { name: 'x', namespace },
      };
      const event = { type: 'Normal', reason: 'Succeeded', message: 'done' } as const;
      expect(await recorder.record(object, event)).toEqual({ ok: true });
      expect(await recorder.record(object, event)).toEqual({ ok: true }); // the repeat works with every verb
      await applyManifests(cluster.kubeconfigPath, [clusterRoleWithout('events', verb)]);
      await waitFor(
        async () => !(await permissions(cluster.controllerKubeConfig, namespace)).includes(`${verb} events`),
        'the role change to apply',
      );
      const refused = await recorder.record(object, event);
      expect(refused).toMatchObject({ ok: false });
      expect(!refused.ok && refused.summary).toMatch(`cannot ${verb} resource "events"`);
    });
  });

  describe('without each verb of the leader election Role, the elector fails naming it', () => {
    const ROLE = 'deploy/rbac/leader-election-role.yaml';
    afterEach(async () => {
      await applyManifests(cluster.kubeconfigPath, readManifests(ROLE));
      await cluster
        .server!.admin.makeApiClient(CoordinationV1Api)
        .deleteNamespacedLease({
          namespace: 'paiflow-system',
          name: 'paiflow-controller',
        })
        .catch(() => undefined);
    });

    test.each([
      { verb: 'get', leads: false },
      { verb: 'create', leads: false },
      { verb: 'update', leads: true }, // creates the Lease, then cannot renew it
    ])('$verb leases', async ({ verb, leads }) => {
      await applyManifests(cluster.kubeconfigPath, [clusterRoleWithout('leases', verb, ROLE)]);
      await waitFor(
        async () =>
          !(await permissions(cluster.controllerKubeConfig, 'paiflow-system')).some((line) =>
            line.startsWith(`${verb} leases`),
          ),
        'the role change to apply',
      );
      const failures: string[] = [];
      let led = false;
      const elector = new LeaderElector({
        store: new KubeLeaseStore({
          kubeConfig: cluster.controllerKubeConfig,
          namespace: 'paiflow-system',
          name: 'paiflow-controller',
        }),
        identity: `no-${verb}`,
        clock: systemClock,
        leaseDurationMs: 1500,
        renewDeadlineMs: 1000,
        retryPeriodMs: 200,
        onEvent: (event: ElectorEvent) => {
          if (event.type === 'acquireFailed' || event.type === 'renewFailed') {
            failures.push(
              `${event.type}: ${String((event.error as { body?: unknown }).body ?? event.error)}`,
            );
          }
        },
      });
      const cancel = new AbortController();
      const result = elector.run(cancel.signal, async (signal) => {
        led = true;
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      });
      await waitFor(() => failures.length > 0, 'a failed Lease request');
      expect(failures[0]).toMatch(
        new RegExp(
          `^${leads ? 'renewFailed' : 'acquireFailed'}: .*cannot ${verb} resource \\\\?"leases\\\\?"`,
        ),
      );
      // Leading, it gives up once the renew deadline passes; campaigning, it goes on until cancelled.
      if (!leads) cancel.abort();
      await expect(result).resolves.toBe(leads ? 'lost' : 'cancelled');
      expect(led).toBe(leads);
    });
  });

  describe('a Secret is read only from the resource namespace', () => {
    // The namespaced mode's boundary, which the API server enforces: namespaced-mode.test.ts.
    test('cluster-wide (get on every Secret): the controller itself refuses another namespace', async () => {
      // The Secret exists in the environment's namespace; the resource lives in another one.
      const env = await startEnvironment({ shared: { cluster, namespace: nextNamespace('owner') }, runs });
      try {
        const elsewhere = nextNamespace('elsewhere');
        await cluster.createNamespace(elsewhere);
        // RBAC would let the controller read it from anywhere...
        const reader = new SecretReader({ kubeConfig: cluster.controllerKubeConfig, clock: systemClock });
        expect((await reader.read(env.namespace, CREDENTIALS_SECRET))?.get('accessKeyId')).toBe(
          ACCESS_KEY.accessKeyId,
        );
        // ...but a resource cannot point at it: the schema has no namespace in the reference (pruned),
        // and the controller looks in the resource's own namespace.
        const resource = pipelineRunNode(env, 'borrower', { pipelineRunId: RUN, nodeId: 'node-a' });
        const spec = resource.spec as Record<string, unknown>;
        await env.cluster.create({
          ...resource,
          metadata: { name: 'borrower', namespace: elsewhere },
          spec: { ...spec, credentialsSecretRef: { name: CREDENTIALS_SECRET, namespace: env.namespace } },
        });
        const r = await waitFor(async () => {
          const got = (await env.cluster.get({
            apiVersion: 'paiflow.dev/v1alpha1',
            kind: 'PipelineRunNode',
            namespace: elsewhere,
            name: 'borrower',
          })) as PipelineRunNode | undefined;
          return condition(got, 'Stalled')?.reason === 'CredentialsNotFound' && got;
        }, 'borrower Stalled with CredentialsNotFound');
        expect(r.spec.credentialsSecretRef).toEqual({ name: CREDENTIALS_SECRET });
        expect(condition(r, 'Stalled')?.message).toContain(
          `Secret ${elsewhere}/${CREDENTIALS_SECRET} (spec.credentialsSecretRef) not found`,
        );
      } finally {
        await env.close();
      }
    });
  });
});
