import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Json } from './lua-table.ts';
import { toLuaTable } from './lua-table.ts';

/** Debian's Lua 5.1: the Lua dialect of gopher-lua, which Argo CD runs its scripts with. */
export const LUA = 'lua5.1';

/** How to get Lua where it is missing (CI installs it in .ci/run). */
export const LUA_HINT = 'lua5.1 not installed (apt-get install -y --no-install-recommends lua5.1)';

const HARNESS = fileURLToPath(new URL('./argocd-lua-harness.lua', import.meta.url));

/** True when `lua5.1` is on PATH. */
export function hasLua(): boolean {
  return spawnSync(LUA, ['-v'], { stdio: 'ignore' }).error === undefined;
}

/** What Argo CD's harness modes print: see argocd-lua-harness.lua. */
export type HarnessMode = 'health' | 'action' | 'action-real-clock' | 'discovery';

/**
 * Runs `script` under the harness with `obj` as the global `obj` and returns its stdout.
 * Throws with Lua's stderr when the script fails.
 */
export function runArgoLua(mode: HarnessMode, script: string, obj: Json): string {
  const result = spawnSync(LUA, [HARNESS, mode, script], {
    input: `return ${toLuaTable(obj)}`,
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0)
    throw new Error(`${LUA} ${mode} ${script} exited ${String(result.status)}: ${result.stderr}`);
  return result.stdout;
}
