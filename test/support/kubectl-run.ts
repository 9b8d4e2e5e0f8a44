import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlPath } from './tools.ts';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  kubeconfig: string;
  /** The kubectl binary; the default version of test/support/tools.ts if undefined. */
  binary?: string;
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
}

/**
 * Runs a real kubectl against `kubeconfig` with a clean environment (no KUBECONFIG, HOME in the temp
 * folder) so the developer's own config never leaks in. Resolves with the exit code; never rejects.
 */
export function runKubectl(args: string[], options: KubectlOptions): Promise<KubectlResult> {
  const binary = options.binary ?? kubectlPath();
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      [
        '--kubeconfig',
        options.kubeconfig,
        '--cache-dir',
        join(tmpdir(), `kubectl-cache-${process.pid}`),
        ...args,
      ],
      { env: { PATH: process.env.PATH, HOME: tmpdir() }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
    child.stdin?.end(options.input);
  });
}
