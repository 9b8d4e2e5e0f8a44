/**
 * Measured process of the kube-connections benchmark: a Manager, wired as `run` wires it, warming
 * up on the N PipelineRunNodes of one namespace of a real kube-apiserver (the initial list, a
 * first poll, status write and Event each), with or without shared Kubernetes connections. Counts,
 * from undici's diagnostics channels, the requests to the API server and the connections opened
 * to it; CPU from `process.cpuUsage()`. Sends one {@link KubeWarmupResult} and exits.
 *
 * Forked by kube-connections.ts with the config as argv[2].
 */
import { subscribe } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { systemClock } from '../src/clock/clock.ts';
import { Manager } from '../src/app/manager.ts';
import { StaticCredentialsProvider } from '../src/paiflow/index.ts';
import { ACCESS_KEY } from './fixture.ts';

export interface KubeWarmupConfig {
  kubeconfig: string;
  namespace: string;
  resources: number;
  shareConnections: boolean;
  workers: number;
  timeoutMs: number;
}

export interface KubeWarmupResult {
  kind: 'result';
  seconds: number;
  kubeRequests: number;
  newConnections: number;
  /** ALPN protocols of those connections (`h2`, `http/1.1`), with counts. */
  protocols: Record<string, number>;
  cpuMs: number;
}

interface ConnectedMessage {
  connectParams: { host: string; protocol: string };
  socket: { alpnProtocol?: string | false };
}

interface RequestCreateMessage {
  request: { origin?: string | URL };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as KubeWarmupConfig;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(config.kubeconfig);
  const server = new URL(kubeConfig.getCurrentCluster()?.server ?? '');
  let kubeRequests = 0;
  let newConnections = 0;
  const protocols: Record<string, number> = {};
  // Process-wide channels: they see the PAIFlow client's requests too, hence the host filter.
  subscribe('undici:request:create', (message) => {
    const { origin } = (message as RequestCreateMessage).request;
    if (origin !== undefined && new URL(String(origin)).host === server.host) kubeRequests++;
  });
  subscribe('undici:client:connected', (message) => {
    const { connectParams, socket } = message as ConnectedMessage;
    if (connectParams.host !== server.host) return;
    newConnections++;
    const alpn = socket.alpnProtocol || 'none';
    protocols[alpn] = (protocols[alpn] ?? 0) + 1;
  });

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const manager = new Manager({
    kubeConfig,
    clock: systemClock,
    log: pino({ level: 'warn' }, pino.destination(2)),
    namespaces: [config.namespace],
    workers: config.workers,
    defaultPollIntervalMs: 600_000,
    minPollIntervalMs: 1000,
    stalledRetryMs: 600_000,
    vpcEndpoints: false,
    endpointAllowList: ['http://127.0.0.1:*'],
    defaultCredentials: new StaticCredentialsProvider(ACCESS_KEY),
    paiflowQps: 100_000,
    paiflowBurst: 100_000,
    paiflowMaxConcurrent: 16,
    paiflowTimeoutMs: 10_000,
    reconcileTimeoutMs: 60_000,
    shareKubeConnections: config.shareConnections,
  });
  try {
    await manager.start();
    const deadline = Date.now() + config.timeoutMs;
    for (;;) {
      const polled = manager.informer
        .list()
        .filter(
          (r) => r.status?.phase === 'Running' && r.status.observedGeneration === r.metadata.generation,
        ).length;
      if (polled === config.resources && manager.queue.len() === 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `warm-up not done after ${config.timeoutMs} ms: ${polled}/${config.resources} polled`,
        );
      }
      await sleep(50);
    }
    await manager.queue.onIdle();
    const cpu = process.cpuUsage(cpuBefore);
    const result: KubeWarmupResult = {
      kind: 'result',
      seconds: (performance.now() - started) / 1000,
      kubeRequests,
      newConnections,
      protocols,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    process.send?.(result);
  } finally {
    await manager.stop(5000);
  }
}

main()
  .catch((error: unknown) => {
    process.send?.({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  })
  .finally(() => {
    if (process.connected) process.disconnect();
  });
