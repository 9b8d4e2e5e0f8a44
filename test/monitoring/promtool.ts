import { execFile } from 'node:child_process';
import { debianTool, type Tool } from '../support/tools.ts';

/** `promtool` on PATH, or how to install it (CI does in .ci/run). */
export function promtoolTool(): Tool {
  return debianTool('promtool', '--version', 'prometheus');
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
