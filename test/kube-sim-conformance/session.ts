import { applySteps } from './steps/apply.ts';
import { crdSteps } from './steps/crd.ts';
import { deleteSteps } from './steps/delete.ts';
import { errorSteps } from './steps/errors.ts';
import { eventSteps, leaseSteps } from './steps/lease-events.ts';
import { schemaSteps } from './steps/schema.ts';
import { selectorSteps } from './steps/selectors.ts';
import { statusSteps } from './steps/status.ts';
import { watchSteps } from './steps/watch.ts';
import { normalize } from './normalize.ts';
import type { SessionState, Step } from './step.ts';
import type { Target } from './target.ts';

/** The whole scripted session, in the order it runs (later steps use what earlier ones made). */
export const session: Step[] = [
  ...crdSteps,
  ...applySteps,
  ...schemaSteps,
  ...statusSteps,
  ...selectorSteps,
  ...watchSteps,
  ...errorSteps,
  ...leaseSteps,
  ...eventSteps,
  ...deleteSteps,
];

/** `area: name`, how reports and the known-differences list name a step. */
export function stepId(step: Step): string {
  return `${step.area}: ${step.name}`;
}

/** Normalized answers by step id, and how long each step took. */
export interface SessionRun {
  answers: Map<string, unknown>;
  elapsedMs: Map<string, number>;
}

/**
 * Runs every step on `target` in order. Steps report what the server answered, errors included; a
 * step that throws (the server unreachable, a kubectl missing) fails the whole run.
 */
export async function runSession(target: Target, steps: Step[] = session): Promise<SessionRun> {
  const state: SessionState = new Map();
  const answers = new Map<string, unknown>();
  const elapsedMs = new Map<string, number>();
  for (const step of steps) {
    const started = performance.now();
    const answer = await step.run(target, state);
    answers.set(stepId(step), normalize(answer));
    elapsedMs.set(stepId(step), performance.now() - started);
  }
  return { answers, elapsedMs };
}
