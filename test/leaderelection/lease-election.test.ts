import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '../../src/clock/clock.ts';
import { LeaderElector, type ElectionResult } from '../../src/controller/leaderelection/leader-elector.ts';
import { KubeLeaseStore, LeaseConflictError } from '../../src/kube/lease-store.ts';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import {
  describeWithKubeApiServer,
  START_TIMEOUT_MS,
  startKubeApiServer,
} from '../support/kube-apiserver.ts';
import { runKubectl } from '../support/kubectl-run.ts';

// Leader election over HTTP, on the real kube-apiserver (its optimistic concurrency is the reference)
// and on kube-sim (which `sandbox` runs, and must behave the same): 409 on a stale update and on
// creating an existing Lease, MicroTime timestamps real kubectl reads, and a graceful handover
// between two electors on the system clock.

interface Server {
  /** An identity that may read and write Leases in `namespace`. */
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  namespace: string;
  close(): Promise<void>;
}

async function kubeSimServer(): Promise<Server> {
  const kube = new KubeSim();
  await kube.listen({ host: '127.0.0.1', port: 0 });
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paiflow-system' } });
  const dir = mkdtempSync(join(tmpdir(), 'paiflow-lease-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kube.kubeconfig());
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig());
  return {
    kubeConfig,
    kubeconfigPath,
    namespace: 'paiflow-system',
    close: async () => {
      await kube.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function kubeApiServer(): Promise<Server> {
  const server = await startKubeApiServer();
  const namespace = await server.createNamespace('lease');
  return {
    kubeConfig: server.admin,
    kubeconfigPath: server.kubeconfigPath,
    namespace,
    close: () => server.stop(),
  };
}

function leaseTests(start: () => Promise<Server>): void {
  let server: Server;
  beforeAll(async () => {
    server = await start();
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await server.close();
  });
  const kubectl = (...args: string[]) => runKubectl(args, { kubeconfig: server.kubeconfigPath });

  test('a Lease store conflicts like the API server: create of an existing Lease, update with a stale resourceVersion', async () => {
    const store = new KubeLeaseStore({
      kubeConfig: server.kubeConfig,
      namespace: server.namespace,
      name: 'conflicts',
    });
    await expect(store.get()).resolves.toBeUndefined();
    const record = {
      holderIdentity: 'pod-a',
      leaseDurationSeconds: 15,
      acquireTimeMs: Date.parse('2026-12-04T10:00:00.123Z'),
      renewTimeMs: Date.parse('2026-12-04T10:00:01.456Z'),
      leaseTransitions: 2,
    };
    const created = await store.create(record);
    expect(created.record).toEqual(record);
    await expect(store.create(record)).rejects.toBeInstanceOf(LeaseConflictError);
    const updated = await store.update({ ...record, holderIdentity: 'pod-b' }, created.resourceVersion);
    await expect(store.update(record, created.resourceVersion)).rejects.toBeInstanceOf(LeaseConflictError);
    await expect(store.get()).resolves.toEqual(updated);

    // Real kubectl reads it, with MicroTime's six fractional digits.
    const got = await kubectl('get', 'lease', 'conflicts', '-n', server.namespace, '-o', 'yaml');
    expect(got.code).toBe(0);
    expect(got.stdout).toContain('holderIdentity: pod-b');
    expect(got.stdout).toMatch(/renewTime: "2026-12-04T10:00:01\.456000Z"/);
  });

  test('two electors: one leads; cancelled, it hands over to the other within about a retry period', async () => {
    const options = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200, clock: systemClock };
    const leading = new Set<string>();
    const start = (identity: string): { cancel: AbortController; result: Promise<ElectionResult> } => {
      const cancel = new AbortController();
      const elector = new LeaderElector({
        ...options,
        identity,
        store: new KubeLeaseStore({
          kubeConfig: server.kubeConfig,
          namespace: server.namespace,
          name: 'handover',
        }),
      });
      const result = elector.run(cancel.signal, async (signal) => {
        leading.add(identity);
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        leading.delete(identity);
      });
      return { cancel, result };
    };
    const waitUntil = async (check: () => boolean, what: string, timeoutMs = 5000): Promise<number> => {
      const started = Date.now();
      while (!check()) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return Date.now() - started;
    };
    const a = start('pod-a');
    await waitUntil(() => leading.has('pod-a'), 'pod-a to lead');
    const b = start('pod-b');
    // pod-b waits through several of pod-a's renewals without ever leading.
    await new Promise((resolve) => setTimeout(resolve, 3 * options.leaseDurationMs));
    expect([...leading]).toEqual(['pod-a']);

    a.cancel.abort();
    await expect(a.result).resolves.toBe('released');
    const handover = await waitUntil(() => leading.has('pod-b'), 'pod-b to lead');
    // pod-b's next try, at most a retry period away, finds the Lease released (+ time for a loaded machine).
    expect(handover).toBeLessThan(options.retryPeriodMs + 500);
    const lease = await kubectl(
      'get',
      'lease',
      'handover',
      '-n',
      server.namespace,
      '-o',
      'jsonpath={.spec.holderIdentity} {.spec.leaseTransitions}',
    );
    expect(lease.stdout).toBe('pod-b 1');
    b.cancel.abort();
    await expect(b.result).resolves.toBe('released');
  });
}

describe('kube-sim', () => {
  leaseTests(kubeSimServer);
});

describeWithKubeApiServer('the real kube-apiserver', () => {
  leaseTests(kubeApiServer);
});
