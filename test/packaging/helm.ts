import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './k8s-validate.ts';

/** The chart under test, and the repository root. */
export const root = new URL('../../', import.meta.url).pathname;
export const chart = join(root, 'charts/paiflow-controller');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a real program with a clean environment: HOME and Helm's config, cache and data folders in
 * `home`, no KUBECONFIG but the one `kubeconfig` names, so nothing of the developer's leaks in.
 * Resolves with the exit code; never rejects.
 */
export function runTool(binary: string, args: string[], home: string, kubeconfig?: string): Promise<Result> {
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    ...(kubeconfig === undefined ? {} : { KUBECONFIG: kubeconfig }),
  };
  return new Promise((resolve) => {
    execFile(
      binary,
      args,
      { cwd: root, env, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** The objects of a YAML stream (helm template, kubectl kustomize), empty documents left out. */
export function objectsOf(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** Runs and expects exit 0; resolves with stdout, or fails the test with the whole output. */
export async function ok(binary: string, args: string[], home: string, kubeconfig?: string): Promise<string> {
  const result = await runTool(binary, args, home, kubeconfig);
  if (result.code !== 0) {
    throw new Error(`${binary} ${args.join(' ')} exited ${result.code}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}
