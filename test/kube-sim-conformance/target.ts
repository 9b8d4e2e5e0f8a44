import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, request as undiciRequest } from 'undici';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { startKubeApiServer } from '../support/kube-apiserver.ts';
import { kubectlTool } from '../support/tools.ts';
import { runKubectl, type KubectlResult } from '../support/kubectl-run.ts';

/**
 * One API server the conformance session runs against, with the three ways the session talks to
 * it: raw HTTP (to see status codes, bodies and headers exactly), client-node and real kubectl.
 */
export interface Target {
  name: 'kube-sim' | 'kube-apiserver';
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<HttpReply>;
  /** Reads a watch stream until `count` events arrived, the server ended it or `timeoutMs` passed. */
  watch(path: string, count: number, timeoutMs: number): Promise<unknown[]>;
  /** Runs kubectl `version` (`1.27`, ...) with a discovery cache of its own for this server. */
  kubectl(version: string, args: string[], input?: string): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export interface HttpReply {
  status: number;
  /** Warning headers (`299 - "text"`), which kubectl prints and field validation relies on. */
  warnings: string[];
  body: unknown;
}

/** The kubectl versions the session runs: the oldest and newest the project supports. */
export const KUBECTL_VERSIONS = ['1.27', '1.33'];

/** Fails early, naming what to install, when a kubectl the session runs is missing. */
function requireKubectl(): void {
  const missing = KUBECTL_VERSIONS.flatMap((version) => kubectlTool(version).missing ?? []);
  if (missing.length > 0) throw new Error(`the conformance session runs kubectl: ${missing.join('; ')}`);
}

/** kube-sim in this process, as `sandbox` runs it. */
export async function kubeSimTarget(): Promise<Target> {
  requireKubectl();
  const sim = new KubeSim();
  await sim.listen({ host: '127.0.0.1', port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-conformance-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sim.kubeconfig());
  return target('kube-sim', sim.url, kubeConfig, kubeconfigPath, new Agent(), async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** A real etcd + kube-apiserver from the test harness (the binaries must be built). */
export async function kubeApiServerTarget(): Promise<Target> {
  requireKubectl();
  const server = await startKubeApiServer();
  const cluster = server.admin.getCurrentCluster()!;
  const user = server.admin.getCurrentUser()!;
  const decode = (data: string | undefined): string | undefined =>
    data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
  const agent = new Agent({
    connect: { ca: decode(cluster.caData), cert: decode(user.certData), key: decode(user.keyData) },
  });
  return target('kube-apiserver', server.url, server.admin, server.kubeconfigPath, agent, () =>
    server.stop(),
  );
}

function target(
  name: Target['name'],
  base: string,
  kubeConfig: KubeConfig,
  kubeconfigPath: string,
  agent: Agent,
  stop: () => Promise<void>,
): Target {
  const cacheDir = mkdtempSync(join(tmpdir(), `kubectl-cache-${name}-`));
  return {
    name,
    kubeConfig,
    kubeconfigPath,
    async request(method, path, body, contentType = 'application/json') {
      const response = await undiciRequest(`${base}${path}`, {
        method: method as 'GET',
        dispatcher: agent,
        headers: { 'content-type': contentType, accept: 'application/json' },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.body.text();
      const warning = response.headers.warning;
      return {
        status: response.statusCode,
        warnings: warning === undefined ? [] : Array.isArray(warning) ? warning : [warning],
        body: parseJson(text),
      };
    },
    async watch(path, count, timeoutMs) {
      const signal = AbortSignal.timeout(timeoutMs);
      const events: unknown[] = [];
      try {
        const response = await undiciRequest(`${base}${path}`, { dispatcher: agent, signal });
        let buffer = '';
        for await (const chunk of response.body) {
          buffer += (chunk as Buffer).toString('utf8');
          for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
            events.push(parseJson(buffer.slice(0, newline)));
            buffer = buffer.slice(newline + 1);
          }
          if (events.length >= count) break;
        }
        if (buffer.trim() !== '') events.push(parseJson(buffer));
      } catch (error) {
        if (!signal.aborted) throw error;
      }
      return events.slice(0, count);
    },
    kubectl(version, args, input) {
      const { path: binary, missing } = kubectlTool(version);
      if (binary === undefined) throw new Error(missing);
      // The last --cache-dir wins: one per server and version, so versions never read each other's.
      const cache = ['--cache-dir', join(cacheDir, version)];
      return runKubectl([...cache, ...args], { kubeconfig: kubeconfigPath, binary, input });
    },
    async stop() {
      await agent.close();
      await stop();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
