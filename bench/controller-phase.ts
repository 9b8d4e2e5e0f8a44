/**
 * Measured process of the benchmark: a Manager, wired as `paiflow-controller run` wires it, watching
 * the benchmark's namespace in kube-sim and polling the PAIFlow simulator, in one of two designs: the
 * observer as shipped (batched status calls), or the naive baseline, the same controller with
 * `--paiflow-batch-size 0` (one detail call per resource and interval, as before the observer).
 * Forked by controller-overhead.ts; see phase.ts for the protocol.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { systemClock } from '../src/clock/clock.ts';
import type { ReconcileOutcome } from '../src/controller/controller.ts';
import { Manager } from '../src/app/manager.ts';
import { StaticCredentialsProvider } from '../src/paiflow/index.ts';
import { ACCESS_KEY, NAMESPACE } from './fixture.ts';
import { runPhase, type MeasuredSide, type PhaseConfig } from './phase.ts';

async function startController(config: PhaseConfig): Promise<MeasuredSide> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(config.kubeconfig);
  const reconciles: Record<ReconcileOutcome, number> = { success: 0, requeue_after: 0, error: 0, panic: 0 };
  const manager = new Manager({
    kubeConfig,
    clock: systemClock,
    // Warnings and errors only, on stderr: the controller logs nothing per successful poll above debug.
    log: pino({ level: 'warn' }, pino.destination(2)),
    namespaces: [NAMESPACE],
    workers: config.workers,
    defaultPollIntervalMs: config.pollIntervalMs,
    minPollIntervalMs: Math.min(1000, config.pollIntervalMs),
    stalledRetryMs: 60_000,
    vpcEndpoints: false,
    endpointAllowList: ['http://127.0.0.1:*'],
    // Unused: every resource names the credentials Secret.
    defaultCredentials: new StaticCredentialsProvider(ACCESS_KEY),
    paiflowQps: config.paiflowQps,
    paiflowBurst: config.paiflowBurst,
    paiflowMaxConcurrent: config.paiflowMaxConcurrent,
    // One identity, one endpoint: the whole endpoint is its (no other identity to leave slots to).
    paiflowMaxConcurrentPerIdentity: config.paiflowMaxConcurrent,
    paiflowTimeoutMs: 10_000,
    // The observer's defaults (batch size 100, full refresh every 60 intervals on average) unless naive.
    ...(config.design === 'naive' && { paiflowBatchSize: 0 }),
    reconcileTimeoutMs: 60_000,
    observer: {
      reconciled: ({ outcome }) => {
        reconciles[outcome]++;
      },
    },
  });
  await manager.start();
  return {
    async warmedUp(signal) {
      // Every resource shows the first poll's answer (its node is Running), and nothing is queued
      // or in progress: the Events of those first status changes are written too.
      for (;;) {
        signal.throwIfAborted();
        const resources = manager.informer.list();
        const polled = resources.filter(
          (r) => r.status?.phase === 'Running' && r.status.observedGeneration === r.metadata.generation,
        ).length;
        if (polled === config.resources && manager.queue.len() === 0) break;
        await sleep(100, undefined, { signal });
      }
      await manager.queue.onIdle();
    },
    details: () => ({ ...reconciles }),
    stop: () => manager.stop(5000),
  };
}

await runPhase(startController);
