import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KUBE_SIM_VERSION } from '../../src/sandbox/kube-sim/discovery.ts';

/**
 * Where the kube-apiserver and etcd binaries that build.sh makes are cached: one folder per
 * Kubernetes version, outside the clone, shared by every clone and worktree on the machine.
 */

/**
 * The Kubernetes version the tests run against (see docs/testing.md for why this one): the one
 * kube-sim's /version reports, so that both servers say the same.
 */
export const DEFAULT_KUBE_VERSION = KUBE_SIM_VERSION.gitVersion;

export interface KubeBinaries {
  version: string;
  dir: string;
  kubeApiServer: string;
  etcd: string;
}

const BUILD_SCRIPT = fileURLToPath(new URL('build.sh', import.meta.url));

/** The version asked for with KUBE_VERSION, else the default. */
export function kubeVersion(): string {
  return process.env.KUBE_VERSION ?? DEFAULT_KUBE_VERSION;
}

export function cacheDir(version: string): string {
  const root =
    process.env.PAIFLOW_KUBE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'paiflow-controller', 'kube');
  return join(root, version);
}

/** The cached binaries of `version`, or undefined when they have not been built yet. */
export function findBinaries(version = kubeVersion()): KubeBinaries | undefined {
  const dir = cacheDir(version);
  const binaries = { version, dir, kubeApiServer: join(dir, 'kube-apiserver'), etcd: join(dir, 'etcd') };
  return existsSync(binaries.kubeApiServer) && existsSync(binaries.etcd) ? binaries : undefined;
}

/** How to get the binaries, for error messages of tests that need them. */
export function buildHint(version = kubeVersion()): string {
  return (
    `kube-apiserver and etcd ${version} are not in ${cacheDir(version)}: build them with ` +
    `\`test/kube-apiserver/build.sh ${version}\` (needs Go >= 1.26 and the Go module proxy; ` +
    `a cold build takes about 5 minutes and 2.4 GB of memory, see docs/testing.md)`
  );
}

/** Finds the binaries, building them first (progress on stderr) when the cache lacks them. */
export async function ensureBinaries(version = kubeVersion()): Promise<KubeBinaries> {
  const found = findBinaries(version);
  if (found) return found;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(BUILD_SCRIPT, [version], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const built = findBinaries(version);
  if (code !== 0 || !built) throw new Error(`${BUILD_SCRIPT} ${version} failed (exit ${code ?? 'signal'})`);
  return built;
}
