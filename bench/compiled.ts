import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url);
/** tsconfig.bench.json's outDir. */
const OUT = new URL('node_modules/.cache/paiflow-bench/', ROOT);

/**
 * Compiles controller-phase.ts and what it imports (the controller's sources) with tsc and the
 * build's settings (tsconfig.bench.json extends tsconfig.build.json) and returns the URL of bench/
 * in the output, so the measured process runs
 * JavaScript as `npm run build` emits it for the image, not the .ts sources: Node's type stripping
 * costs memory (its WebAssembly compiler, and the stripped copy of every source) that the shipped
 * controller does not pay.
 */
export function compileBench(): URL {
  execFileSync(fileURLToPath(new URL('node_modules/.bin/tsc', ROOT)), ['-p', 'tsconfig.bench.json'], {
    cwd: fileURLToPath(ROOT),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // The output is under node_modules/, where Node looks for no package.json of ours: say it is ESM.
  writeFileSync(new URL('package.json', OUT), '{ "type": "module" }\n');
  return new URL('bench/', OUT);
}
