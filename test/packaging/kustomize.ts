import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from '@jest/globals';
import { parseAllDocuments, stringify } from 'yaml';
import { kubectlPath } from '../support/tools.ts';
import { root, type Result } from './helm.ts';
import type { KubeObject } from './k8s-validate.ts';

/** The real kubectl on deploy/: rendering its kustomizations, and the namespaced install of docs/install.md. */

/**
 * Runs kubectl from the repository root with HOME in `home` and nothing of the developer's
 * environment; resolves with the exit code, never rejects.
 */
export function kubectl(
  home: string,
  args: string[],
  input?: string,
  binary = kubectlPath(),
): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      args,
      { cwd: root, env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
    child.stdin?.end(input);
  });
}

/** `kubectl kustomize dir`, as objects; fails the test with kubectl's output when it fails. */
export async function render(home: string, dir: string): Promise<KubeObject[]> {
  const result = await kubectl(home, ['kustomize', dir]);
  expect({ dir, ...result }).toMatchObject({ code: 0 });
  return parseAllDocuments(result.stdout).map((doc) => doc.toJSON() as KubeObject);
}

/**
 * A kustomization of the user's own adding Components of deploy/ (`namespaced`, `sharding`) to
 * deploy/, as docs/install.md shows, in a new folder under `parent`; returns that folder.
 */
export function componentInstall(parent: string, components: readonly string[]): string {
  const dir = mkdtempSync(join(parent, `${components.join('-')}-`));
  const deploy = relative(dir, join(root, 'deploy'));
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [deploy],
      components: components.map((component) => `${deploy}/${component}`),
    }),
  );
  return dir;
}

/** The namespaced install (deploy/ and the deploy/namespaced Component) in a new folder under `parent`. */
export const namespacedInstall = (parent: string): string => componentInstall(parent, ['namespaced']);

/** The sharding install (deploy/ and the deploy/sharding Component) in a new folder under `parent`. */
export const shardingInstall = (parent: string): string => componentInstall(parent, ['sharding']);
