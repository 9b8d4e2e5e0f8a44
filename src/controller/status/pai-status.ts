/**
 * What a PAI status string means for the controller. No source says which PAI statuses are terminal
 * (docs/paiflow-api reference §4), so this is the project's working rule, in one place.
 */

/**
 * The five things a PAI status can mean: keep polling, done well, done badly, not run (a branch not
 * taken, or downstream of a failure: neutral, never a failure by itself), paused in PAI.
 */
export type PaiStatusClass = 'progressing' | 'succeeded' | 'failed' | 'skipped' | 'suspended';

/** Each documented status, its class, and the spelling reasons use when it differs. */
const TABLE: readonly (readonly [status: string, cls: PaiStatusClass, canonical?: string])[] = [
  ['Initialized', 'progressing'],
  ['ReadyToSchedule', 'progressing'],
  ['Starting', 'progressing'],
  ['WorkflowServiceStarting', 'progressing'],
  ['Running', 'progressing'],
  ['Terminating', 'progressing'],
  ['Unknown', 'progressing'],
  ['Succeeded', 'succeeded'],
  // Seen once at node level in an SDK source.
  ['Succeed', 'succeeded', 'Succeeded'],
  ['Failed', 'failed'],
  ['Terminated', 'failed'],
  // PAI skips a node whose branch was not taken (a condition evaluated false) as well as one whose
  // upstream failed; the failure, if any, is reported by the failed node itself, so Skipped is neutral.
  ['Skipped', 'skipped'],
  ['Suspended', 'suspended'],
];

/** The documented statuses, canonically spelt, in lifecycle order (one entry per canonical status). */
export const KNOWN_PAI_STATUSES: readonly string[] = TABLE.filter(
  ([, , canonical]) => canonical === undefined,
).map(([status]) => status);

const KNOWN: ReadonlyMap<string, { cls: PaiStatusClass; canonical: string }> = new Map(
  TABLE.map(([status, cls, canonical]) => [status.toLowerCase(), { cls, canonical: canonical ?? status }]),
);

// Case and surrounding blanks are ignored: an unexpected spelling of a terminal status must not
// leave a finished node polled for ever.
function key(status: string): string {
  return status.trim().toLowerCase();
}

/**
 * Classifies a PAI status: `Succeeded`/`Succeed` succeeded; `Failed`/`Terminated` failed; `Skipped`
 * skipped; `Suspended` suspended; everything else, `Unknown` and values nobody has documented included,
 * progressing (keep polling, never crash). Case-insensitive.
 */
export function classifyPaiStatus(status: string): PaiStatusClass {
  return KNOWN.get(key(status))?.cls ?? 'progressing';
}

/** True for a status listed in the PAI reference; false for a value this controller has never seen. */
export function isKnownPaiStatus(status: string): boolean {
  return KNOWN.has(key(status));
}

/**
 * The documented spelling of a known status (`succeed` and `Succeed` give `Succeeded`, `FAILED`
 * gives `Failed`), or undefined for a value this controller has never seen. Meant for condition and
 * Event reasons, which must be stable words; `status.phase` stays verbatim.
 */
export function canonicalPaiStatus(status: string): string | undefined {
  return KNOWN.get(key(status))?.canonical;
}

/** True when the node has finished for good (succeeded, failed or skipped): it is never polled again. */
export function isTerminal(status: string): boolean {
  const cls = classifyPaiStatus(status);
  return cls === 'succeeded' || cls === 'failed' || cls === 'skipped';
}
