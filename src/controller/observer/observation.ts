import { isDeepStrictEqual } from 'node:util';
import type { PollOutcome } from '../status/index.ts';

/**
 * What the observer learnt about one resource from PAIFlow, as the reconciler reads it: the outcome
 * computeStatus takes, and what the call was made for, so a reconcile can tell whether it answers
 * the resource as it is now (the same spec generation, the reconcile request it carries).
 */
export interface Observation {
  readonly outcome: PollOutcome;
  /** The `metadata.generation` the call was made for. */
  readonly generation: number;
  /** The `paiflow.dev/reconcile-requested-at` value the resource carried when the call was made. */
  readonly request: string | undefined;
  /** Clock time of the answer. */
  readonly at: number;
}

/** Same outcome for the same spec and request: handing it over again would change nothing. */
export function sameObservation(a: Observation | undefined, b: Observation | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.generation === b.generation && a.request === b.request && isDeepStrictEqual(a.outcome, b.outcome);
}
