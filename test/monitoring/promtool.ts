import { execFile, spawnSync } from 'node:child_process';

/** How to get promtool where it is missing (CI installs it in .ci/run). */
export const PROMTOOL_HINT = 'promtool not installed (apt-get install -y --no-install-recommends prometheus)';

/** True when `promtool` is on PATH. */
export function hasPromtool(): boolean {
  return spawnSync('promtool', ['--version'], { stdio: 'ignore' }).error === undefined;
}

export interface PromtoolResult {
  code: number;
  /** stdout then stderr, for assertion messages. */
  output: string;
}

/** Runs promtool with `args` in `cwd`; resolves with its exit code and output, never rejects on exit != 0. */
export function promtool(args: string[], cwd: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    execFile('promtool', args, { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : error.code;
      if (typeof code !== 'number') {
        reject(error ?? new Error('promtool did not exit'));
        return;
      }
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
