const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go-style duration (`500ms`, `30s`, `5m`, `1h30m`), the format Kubernetes users write in
 * manifests, into milliseconds. Returns undefined when the text is not such a duration; callers
 * turn that into an error naming their own field.
 */
export function parseDurationMs(text: string): number | undefined {
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(n) * (DURATION_UNITS_MS[unit ?? ''] ?? 0);
  }
  return Math.round(total);
}
