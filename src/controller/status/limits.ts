import { STATUS_BOUNDS } from '../../api/v1alpha1.ts';

/** How much of what PAI reports goes into status, and how often an unchanged status is refreshed. */
export interface StatusLimits {
  /** Descendants listed in `status.children`; the rest are only counted. @default 50 */
  maxChildren: number;
  /** `status.runtimeInfo` keys kept (the first ones in sorted order). @default 32 */
  maxRuntimeInfoKeys: number;
  /** A `status.runtimeInfo` value is cut to this many characters. @default 256 */
  maxRuntimeInfoValueLength: number;
  /** `status.runtimeInfoRaw` is cut to this many characters. @default 1024 */
  maxRuntimeInfoRawLength: number;
  /**
   * When a poll changes nothing else, `status.lastSyncTime` is rewritten only once it is this old,
   * so that steady polling does not write the object every time. @default 300000 (5 minutes)
   */
  syncRefreshIntervalMs: number;
}

export const DEFAULT_STATUS_LIMITS: Readonly<StatusLimits> = Object.freeze({
  maxChildren: 50,
  maxRuntimeInfoKeys: 32,
  maxRuntimeInfoValueLength: 256,
  maxRuntimeInfoRawLength: 1024,
  syncRefreshIntervalMs: 300_000,
});

const UPPER: Readonly<Record<keyof StatusLimits, number>> = {
  maxChildren: STATUS_BOUNDS.children,
  maxRuntimeInfoKeys: STATUS_BOUNDS.runtimeInfoKeys,
  maxRuntimeInfoValueLength: STATUS_BOUNDS.runtimeInfoValueLength,
  maxRuntimeInfoRawLength: STATUS_BOUNDS.runtimeInfoRawLength,
  syncRefreshIntervalMs: 24 * 3_600_000,
};
// Below these a value or a raw text would be nothing but its `...`.
const LOWER: Readonly<Record<keyof StatusLimits, number>> = {
  maxChildren: 0,
  maxRuntimeInfoKeys: 0,
  maxRuntimeInfoValueLength: 8,
  maxRuntimeInfoRawLength: 8,
  syncRefreshIntervalMs: 0,
};

/**
 * The defaults with `overrides` applied. Throws "expected X, got Y" for a value that is not an
 * integer within bounds; the upper bounds are the CRD's (STATUS_BOUNDS), which the API server
 * enforces. Call it once when reading configuration so a mistake fails at startup.
 */
export function resolveStatusLimits(overrides: Partial<StatusLimits> = {}): StatusLimits {
  const limits = { ...DEFAULT_STATUS_LIMITS };
  for (const name of Object.keys(UPPER) as (keyof StatusLimits)[]) {
    const value = overrides[name] ?? limits[name];
    limits[name] = value;
    if (!Number.isInteger(value) || value < LOWER[name] || value > UPPER[name]) {
      throw new Error(
        `expected ${name} to be an integer from ${LOWER[name]} to ${UPPER[name]}, got ${String(value)}`,
      );
    }
  }
  return limits;
}
