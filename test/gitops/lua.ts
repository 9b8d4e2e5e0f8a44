import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { debianTool, type Tool } from '../support/tools.ts';
import type { Json } from './lua-table.ts';
import { toLuaTable } from './lua-table.ts';

/** Debian's Lua 5.1: the Lua dialect of gopher-lua, which Argo CD runs its scripts with. */
export const LUA = 'lua5.1';

const HARNESS = fileURLToPath(new URL('./argocd-lua-harness.lua', import.meta.url));

/** `lua5.1` on PATH, or how to install it (CI does in .ci/run). */
export function luaTool(): Tool {
  return debianTool(LUA, '-v', 'lua5.1');
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
