/**
 * Times as status carries them: RFC 3339 in UTC at whole seconds, like metav1.Time, so that a time the
 * controller writes reads back identical and compares equal.
 */
export function formatTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Epoch milliseconds of an RFC 3339 time, or undefined when it is absent or not a time. */
export function parseTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
