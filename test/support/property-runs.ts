import type { Parameters } from 'fast-check';

/**
 * fast-check parameters for every property test: at least 1,000 cases, and a fixed seed in CI so a
 * red build replays the same cases. `FC_SEED` (an integer) overrides the seed anywhere, to replay a
 * failure; outside CI the seed is random, to find more. fast-check prints the seed and the shrunk
 * counterexample on failure; `FC_SEED=<seed>` with the printed path replays it.
 */
export function propertyRuns<T>(overrides: Parameters<T> = {}): Parameters<T> {
  const fromEnv = process.env.FC_SEED;
  const seed =
    fromEnv !== undefined && fromEnv.trim() !== ''
      ? Number(fromEnv)
      : process.env.CI !== undefined
        ? CI_SEED
        : undefined;
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new Error(`FC_SEED: expected an integer, got ${JSON.stringify(fromEnv)}`);
  }
  return { numRuns: 1000, ...(seed === undefined ? {} : { seed }), ...overrides };
}

const CI_SEED = 20_261_204;
