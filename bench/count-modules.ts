/**
 * Preloaded with `--import` by bench/run-startup.ts: counts the modules the process loads from files
 * (its own and node_modules', not Node's built-ins) and writes the count (and the URLs) to the file named by
 * BENCH_MODULE_COUNT_FILE when the process exits. Synchronous hooks, so the count includes
 * modules loaded through require() as well as import.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.BENCH_MODULE_COUNT_FILE;
if (out === undefined) throw new Error('BENCH_MODULE_COUNT_FILE is not set');
const loaded = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:')) loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  const own = [...loaded].filter((url) => !url.includes('/node_modules/')).length;
  writeFileSync(out, JSON.stringify({ total: loaded.size, own, urls: [...loaded] }));
});
