import { readFileSync } from 'node:fs';

/**
 * The steps on which kube-sim is known to answer differently from kube-apiserver, with the reason
 * each difference stays. They live in one place, the "Known differences" table of docs/kube-sim.md,
 * so the documentation and the conformance test can never disagree: the test fails on any other
 * difference, and on a listed one that no longer differs.
 */

const DOC = new URL('../../docs/kube-sim.md', import.meta.url);
const HEADING = '## Known differences from kube-apiserver';

/** Step id (`area: name`) to reason. */
export function knownDifferences(markdown = readFileSync(DOC, 'utf8')): Map<string, string> {
  const start = markdown.indexOf(HEADING);
  if (start < 0) throw new Error(`docs/kube-sim.md has no "${HEADING}" section`);
  const section = markdown.slice(start + HEADING.length).split(/\n## /)[0]!;
  const known = new Map<string, string>();
  for (const line of section.split('\n')) {
    const row = /^\| `([^`]+)` \| (.+) \|$/.exec(line.trim());
    if (row) known.set(row[1]!, row[2]!.trim());
  }
  return known;
}
