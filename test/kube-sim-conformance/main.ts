import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { compare, type Comparison } from './compare.ts';
import { knownDifferences } from './known-differences.ts';
import { runSession, session, type SessionRun } from './session.ts';
import { kubeApiServerTarget, kubeSimTarget, type Target } from './target.ts';

/**
 * `npm run kube-sim:conformance`: runs the scripted session against kube-sim and a real
 * kube-apiserver (from the test harness; the binaries are built if missing), then prints agreement
 * per area and every differing step with a short diff. Exits 1 when a difference is not in the
 * known-differences table of docs/kube-sim.md, or a listed one no longer differs. `--write DIR`
 * also writes both servers' normalized answers there.
 */

const MAX_DIFF_LINES = 40;
/** Steps wait on watches for at most a few seconds; longer means a step is waiting on the wrong thing. */
const SLOW_STEP_MS = 5000;

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

/** `--write DIR`: both servers' normalized answers as YAML, to read a difference in full. */
function writeAnswers(dir: string, runs: Record<string, SessionRun>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, run] of Object.entries(runs))
    writeFileSync(join(dir, `${name}.yaml`), stringify(Object.fromEntries(run.answers), { lineWidth: 0 }));
  console.log(`answers written to ${dir}/kube-apiserver.yaml and ${dir}/kube-sim.yaml`);
}

async function main(): Promise<number> {
  const started = Date.now();
  const targets: Target[] = [];
  try {
    const [real, sim] = await Promise.all([kubeApiServerTarget(), kubeSimTarget()]);
    targets.push(real, sim);
    // One after the other: the two sessions would otherwise compete for the machine's cores.
    const expected = await runSession(real);
    const actual = await runSession(sim);
    const dump = option('--write');
    if (dump !== undefined) writeAnswers(dump, { 'kube-apiserver': expected, 'kube-sim': actual });
    const slow = [...expected.elapsedMs, ...actual.elapsedMs].filter(([, ms]) => ms > SLOW_STEP_MS);
    for (const [id, ms] of slow) console.warn(`slow step (${Math.round(ms)} ms): ${id}`);
    return report(compare(expected.answers, actual.answers), Date.now() - started);
  } finally {
    await Promise.all(targets.map((target) => target.stop()));
  }
}

function report(comparison: Comparison, elapsedMs: number): number {
  const known = knownDifferences();
  const out: string[] = [];
  for (const { area, agree, total } of comparison.perArea)
    out.push(`${area.padEnd(12)} ${String(agree).padStart(3)}/${total}`);
  out.push(
    `${'total'.padEnd(12)} ${String(comparison.agree).padStart(3)}/${comparison.total} steps agree (${(elapsedMs / 1000).toFixed(1)} s)`,
  );
  let unexpected = 0;
  for (const difference of comparison.differences) {
    const reason = known.get(difference.id);
    if (reason === undefined) unexpected++;
    out.push('', `DIFFERS ${difference.id}${reason === undefined ? '' : ` (known: ${reason})`}`);
    const lines = difference.diff.split('\n');
    out.push(...lines.slice(0, MAX_DIFF_LINES).map((line) => `  ${line}`));
    if (lines.length > MAX_DIFF_LINES) out.push(`  ... ${lines.length - MAX_DIFF_LINES} more lines`);
  }
  const differing = new Set(comparison.differences.map((d) => d.id));
  const ids = new Set(session.map((step) => `${step.area}: ${step.name}`));
  const stale = [...known.keys()].filter((id) => !differing.has(id));
  for (const id of stale)
    out.push(
      '',
      ids.has(id)
        ? `AGREES NOW, remove from docs/kube-sim.md: ${id}`
        : `NO SUCH STEP in docs/kube-sim.md: ${id}`,
    );
  out.push('', `${unexpected} unexpected difference(s), ${stale.length} stale known difference(s)`);
  console.log(out.join('\n'));
  return unexpected + stale.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
