import { readFileSync } from 'node:fs';
import { startCli, type Child } from '../../src/cli/commands/child-process.test-helper.ts';
import { readManifests } from './cluster.ts';

/**
 * The real `paiflow-controller run` as a child process, for tests that measure the process itself
 * (its RSS is its own): probes and metrics on free loopback ports, PAIFlow endpoints on loopback
 * allowed, then `args`.
 */
export function startRun(kubeconfig: string, args: string[] = [], env: Record<string, string> = {}): Child {
  return startCli(
    [
      'run',
      '--kubeconfig',
      kubeconfig,
      '--probe-address',
      '127.0.0.1:0',
      '--metrics-address',
      '127.0.0.1:0',
      '--endpoint-allow-list',
      'http://127.0.0.1:*',
      ...args,
    ],
    env,
  );
}

/** Peak resident set size of a process, from Linux's /proc (VmHWM, in kB). */
export function peakRssBytes(pid: number): number {
  const line = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (line === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(line[1]) * 1024;
}

/** The memory limit of the controller container in deploy/deployment.yaml, in bytes. */
export function deploymentMemoryLimit(): number {
  const deployment = readManifests('deploy/deployment.yaml')[0] as {
    spec: { template: { spec: { containers: { resources: { limits: { memory: string } } }[] } } };
  };
  const limit = deployment.spec.template.spec.containers[0]!.resources.limits.memory;
  const match = /^(\d+)(Mi|Gi)$/.exec(limit);
  if (match === null) throw new Error(`expected a memory limit such as 512Mi, got ${limit}`);
  return Number(match[1]) * 2 ** (match[2] === 'Gi' ? 30 : 20);
}
