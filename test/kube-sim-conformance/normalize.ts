/**
 * Makes one server's answer comparable with the other's: values no two servers share (uids,
 * timestamps, resourceVersions, continue tokens, ages in tables) become placeholders that keep only
 * whether the value was there, and collections whose order is not part of the API are sorted.
 */

/** Fields whose value differs between any two servers, wherever they occur. */
const volatileFields = new Set([
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'lastTransitionTime',
  'eventTime',
  'firstTimestamp',
  'lastTimestamp',
  'renewTime',
  'acquireTime',
  'continue',
]);

export function normalize(value: unknown, key = ''): unknown {
  const out = normalizeValue(value, key);
  return isStatus(out) ? sortCauses(out) : out;
}

function normalizeValue(value: unknown, key: string): unknown {
  if (typeof value === 'string')
    return volatileFields.has(key) && value !== '' ? `<${key}>` : normalizeText(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => normalize(item));
    return key === 'items' || key === 'managedFields' ? items.sort(byIdentity) : items;
  }
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of Object.keys(object).sort()) {
    const inner = object[field];
    // A managedFields entry's time, and a Time-typed value (a number never is one).
    if (key === '' && field === 'time' && 'manager' in object) out[field] = '<time>';
    else out[field] = normalize(inner, field);
  }
  return out;
}

/**
 * Text from kubectl or in messages: resourceVersions, ages and column padding vary, and kubectl's
 * `* field: error` lines follow the causes' Go map order.
 */
export function normalizeText(text: string): string {
  return sortBulletRuns(text)
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uid>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/(resource ?version:? )\d+ \(\d+\)/gi, '$1<rv> (<rv>)')
    .replace(/(resource ?version:? )"?\d+"?/gi, '$1<rv>')
    .replace(/(^|\s)(\d+m)?\d+s(?=\s|$)/gm, '$1<age>')
    .replace(/(^|\s)\d+m(?=\s|$)/gm, '$1<age>')
    .replace(/<unknown>/g, '<age>')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ +$/gm, '');
}

function byIdentity(a: unknown, b: unknown): number {
  const key = identity(a);
  const other = identity(b);
  return key < other ? -1 : key > other ? 1 : 0;
}

function identity(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const object = value as Record<string, unknown>;
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  if (typeof meta.name === 'string') return JSON.stringify([meta.namespace, meta.name]);
  if (typeof object.manager === 'string')
    return JSON.stringify([object.manager, object.operation, object.subresource]);
  return JSON.stringify(value);
}

interface Cause {
  field?: string;
  message?: string;
}
interface InvalidStatus {
  kind: 'Status';
  message: string;
  details: { causes: Cause[] };
}

function isStatus(value: unknown): value is InvalidStatus {
  const status = value as Partial<InvalidStatus> | null;
  return (
    typeof status === 'object' &&
    status !== null &&
    status.kind === 'Status' &&
    typeof status.message === 'string' &&
    Array.isArray(status.details?.causes)
  );
}

/**
 * The real server validates a custom resource's properties in Go map order, so the order of the
 * causes (and of their list in `message`) changes from run to run: sort both, but only when the
 * message is exactly that list, so that a message that does not match its causes still shows.
 */
function sortCauses(status: InvalidStatus): InvalidStatus {
  const causes = status.details.causes;
  const text = (cause: Cause): string =>
    cause.field ? `${cause.field}: ${cause.message ?? ''}` : (cause.message ?? '');
  const list = `[${causes.map(text).join(', ')}]`;
  if (causes.length < 2 || !status.message.endsWith(list)) return status;
  const sorted = [...causes].sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
  return {
    ...status,
    message: `${status.message.slice(0, -list.length)}[${sorted.map(text).join(', ')}]`,
    details: { ...status.details, causes: sorted },
  };
}

function sortBulletRuns(text: string): string {
  const lines = text.split('\n');
  for (let start = 0; start < lines.length; start++) {
    if (!lines[start]!.startsWith('* ')) continue;
    let end = start;
    while (end < lines.length && lines[end]!.startsWith('* ')) end++;
    lines.splice(start, end - start, ...lines.slice(start, end).sort());
    start = end;
  }
  return lines.join('\n');
}
