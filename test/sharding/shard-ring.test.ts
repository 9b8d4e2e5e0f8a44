/**
 * The shard ring against the real kube-apiserver: several in-process members, each with its own
 * client, as a ServiceAccount allowed only what a member needs on Leases in its namespace. The real
 * server's optimistic concurrency, consistent lists, MicroTime and delete preconditions are what the
 * handover protocol relies on; real kubectl shows the member Leases. The same tests run on kube-sim,
 * which the sandbox serves Leases from.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '../../src/clock/clock.ts';
import { RingCluster } from '../../src/controller/sharding/ring-cluster.test-helper.ts';
import { VIEW_ANNOTATION } from '../../src/controller/sharding/view.ts';
import { KubeLeaseRing, SHARD_RING_LABEL } from '../../src/kube/lease-ring.ts';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import {
  describeWithKubeApiServer,
  START_TIMEOUT_MS,
  startKubeApiServer,
  type TestKubeApiServer,
} from '../support/kube-apiserver.ts';
import { runKubectl } from '../support/kubectl-run.ts';
import { describeWithTools, kubectlTool } from '../support/tools.ts';
import { waitFor } from '../support/wait.ts';

// Short durations so the test takes seconds; the ratios are the defaults' (15 s, 10 s, 2 s).
const LEASE = 4_000;
const RENEW = 3_000;
const RETRY = 500;
const DRAIN = 200;
const KEYS = Array.from({ length: 600 }, (_, i) => `flow-${i.toString(36)}-${(i * 7919) % 10007}`);

/** What a ring member needs, and nothing more: its namespace's Leases. */
function memberRole(namespace: string): string {
  return `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: shard-ring, namespace: ${namespace}}
rules:
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [get, list, create, update, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: shard-ring, namespace: ${namespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: shard-ring}
subjects: [{kind: ServiceAccount, name: paiflow-controller, namespace: ${namespace}}]
`;
}

/** An API server the ring tests run against. */
interface RingServer {
  kubeconfigPath: string;
  /** A fresh namespace, and the credentials of a member there. */
  namespace(): Promise<{ namespace: string; kubeConfig: KubeConfig }>;
}

/** The ring's tests, against `server`. */
function ringTests(label: string, server: () => RingServer): void {
  /** A namespace, and a cluster of members in it. */
  async function setUp(): Promise<{ namespace: string; cluster: RingCluster }> {
    const { namespace, kubeConfig } = await server().namespace();
    const cluster = new RingCluster({
      clock: systemClock,
      ring: () => new KubeLeaseRing({ kubeConfig, namespace, ring: 'paiflow-controller' }),
      leaseDurationMs: LEASE,
      renewDeadlineMs: RENEW,
      retryPeriodMs: RETRY,
      drainMs: DRAIN,
      keys: KEYS,
    });
    return { namespace, cluster };
  }

  /** Starts members, and waits until all of `ring` have settled and every key has an owner. */
  async function startSettled(cluster: RingCluster, start: string[], ring = start): Promise<void> {
    for (const id of start) cluster.start(id);
    await waitFor(
      () => cluster.settledOn(ring) && cluster.owners().size === KEYS.length,
      `${ring.join(', ')} settled`,
      20_000,
    );
  }

  async function leases(namespace: string): Promise<{ name: string; holder: string; view: string }[]> {
    const got = await runKubectl(
      ['get', 'leases', '-n', namespace, '-l', `${SHARD_RING_LABEL}=paiflow-controller`, '-o', 'json'],
      { kubeconfig: server().kubeconfigPath },
    );
    expect(got.stderr).toBe('');
    const list = JSON.parse(got.stdout) as {
      items: {
        metadata: { name: string; annotations?: Record<string, string> };
        spec: { holderIdentity: string };
      }[];
    };
    return list.items.map((l) => ({
      name: l.metadata.name,
      holder: l.spec.holderIdentity,
      view: l.metadata.annotations?.[VIEW_ANNOTATION] ?? '',
    }));
  }

  test('three members split 600 keys 200 +- 25 %; a fourth takes <= 35 %, only after their owners dropped them; leaving deletes the Lease', async () => {
    const { namespace, cluster } = await setUp();
    const started = Date.now();
    await startSettled(cluster, ['pod-a', 'pod-b', 'pod-c']);
    const settledIn = Date.now() - started;
    const counts = cluster.counts();
    for (const count of counts.values()) expect(Math.abs(count - 200)).toBeLessThanOrEqual(50);

    const listed = await leases(namespace);
    expect(listed.map((l) => l.holder).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
    expect(new Set(listed.map((l) => l.view)).size).toBe(1);

    const before = cluster.owners();
    const joined = Date.now();
    await startSettled(cluster, ['pod-d'], ['pod-a', 'pod-b', 'pod-c', 'pod-d']);
    const joinedIn = Date.now() - joined;
    const after = cluster.owners();
    const moved = KEYS.filter((key) => before.get(key) !== after.get(key));
    for (const key of moved) expect(after.get(key)).toBe('pod-d');
    expect(moved.length / KEYS.length).toBeLessThanOrEqual(0.35);

    const a = cluster.member('pod-a');
    const keysOfA = [...a.active];
    a.stop.abort();
    await a.done;
    expect(a.events.at(-1)).toEqual({ type: 'left', deleted: true });
    await waitFor(
      () => keysOfA.every((key) => ![undefined, 'pod-a'].includes(cluster.owners().get(key))),
      "pod-a's keys taken over",
      20_000,
    );
    expect((await leases(namespace)).map((l) => l.holder).sort()).toEqual(['pod-b', 'pod-c', 'pod-d']);

    await cluster.stopAll();
    expect(await leases(namespace)).toEqual([]);
    expect(cluster.violations).toEqual([]);
    console.log(
      `shard ring (${label}): 3 members settled in ${settledIn} ms, keys ${[...counts.values()].join('/')}; ` +
        `a 4th moved ${moved.length}/600 (${((100 * moved.length) / 600).toFixed(1)} %) in ${joinedIn} ms`,
    );
  }, 90_000);

  test('a killed member: its keys are taken up within lease duration + a few retry periods, never before its Lease expired', async () => {
    const { namespace, cluster } = await setUp();
    await startSettled(cluster, ['pod-a', 'pod-b', 'pod-c']);
    const keysOfB = [...cluster.member('pod-b').active];
    const killed = Date.now();
    cluster.kill('pod-b');
    await waitFor(
      () => keysOfB.every((key) => cluster.owners().has(key)),
      "pod-b's keys taken over",
      LEASE + 10 * RETRY + 10_000,
    );
    const takeover = Date.now() - killed;
    expect(takeover).toBeGreaterThanOrEqual(LEASE - RETRY);
    expect(takeover).toBeLessThanOrEqual(LEASE + 6 * RETRY);
    expect(cluster.settledOn(['pod-a', 'pod-c'])).toBe(true);
    // The dead member's Lease stays until it is stale (4 lease durations): nobody else may write it.
    expect((await leases(namespace)).map((l) => l.holder).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
    await cluster.stopAll();
    expect(cluster.violations).toEqual([]);
    console.log(
      `shard ring (${label}): killed member's keys taken over after ${takeover} ms (lease ${LEASE} ms, retry ${RETRY} ms)`,
    );
  }, 90_000);
}

describeWithKubeApiServer(
  'shard ring on the real kube-apiserver, as a ServiceAccount allowed only Leases',
  () => {
    let apiServer: TestKubeApiServer;

    beforeAll(async () => {
      apiServer = await startKubeApiServer();
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      await apiServer.stop();
    });

    ringTests('real API server', () => ({
      kubeconfigPath: apiServer.kubeconfigPath,
      async namespace() {
        const namespace = await apiServer.createNamespace('shard');
        const member = await apiServer.serviceAccount(namespace, 'paiflow-controller');
        const applied = await runKubectl(['apply', '-f', '-'], {
          kubeconfig: apiServer.kubeconfigPath,
          input: memberRole(namespace),
        });
        expect(applied.stderr).toBe('');
        return { namespace, kubeConfig: member.kubeConfig };
      },
    }));
  },
  [kubectlTool()],
);

describeWithTools("shard ring on kube-sim (the sandbox's API server)", [kubectlTool()], () => {
  const sim = new KubeSim();
  let dir: string;
  let count = 0;

  beforeAll(async () => {
    await sim.listen({ host: '127.0.0.1', port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'paiflow-ring-'));
    writeFileSync(join(dir, 'kubeconfig'), sim.kubeconfig());
  });

  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  ringTests('kube-sim', () => ({
    kubeconfigPath: join(dir, 'kubeconfig'),
    namespace() {
      const namespace = `shard-${++count}`;
      sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(sim.kubeconfig());
      return Promise.resolve({ namespace, kubeConfig });
    },
  }));
});
