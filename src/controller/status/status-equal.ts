import type { PipelineRunNodeStatus } from '../../api/v1alpha1.ts';

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  // A property holding undefined is absent once written as JSON.
  const keys = (r: Record<string, unknown>): string[] => Object.keys(r).filter((k) => r[k] !== undefined);
  const ka = keys(ra);
  return ka.length === keys(rb).length && ka.every((k) => jsonEqual(ra[k], rb[k]));
}

/**
 * Whether two statuses would be written as the same JSON: deep equality that ignores property order
 * and treats a property holding undefined as absent. The controller writes status only when this is
 * false, so a steady state costs no API writes and no watch events.
 */
export function statusEqual(
  a: PipelineRunNodeStatus | undefined,
  b: PipelineRunNodeStatus | undefined,
): boolean {
  return jsonEqual(a ?? {}, b ?? {});
}
