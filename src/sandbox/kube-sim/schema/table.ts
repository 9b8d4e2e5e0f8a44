import { goFloat, goNumber } from './gofmt.ts';
import { isObject, sortedJson } from './json.ts';
import { findJsonPathResults } from './jsonpath.ts';
import type { AdditionalPrinterColumn } from './types.ts';

/**
 * Server-side printing of custom resources: the `meta.k8s.io/v1` Table the real server returns for
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (apiextensions-apiserver
 * registry/customresource/tableconvertor, apiserver endpoints/handlers asTable).
 *
 * - Columns: `Name` (format `name`) first, then the version's printer columns; a version without
 *   printer columns gets `Age` (`.metadata.creationTimestamp`, type `date`), none otherwise.
 * - Cells: the first JSONPath result only; a missing value is `null` (kubectl prints `<none>`);
 *   `string` columns print the value as kubectl's JSONPath does (JSON for objects and lists,
 *   `<no value>` for JSON null); `integer`/`number`/`boolean` keep JSON types; `date` columns are
 *   an age like `5m` or `3d4h` relative to `now`, `<invalid>` for unparsable and `<unknown>` for
 *   empty times.
 * - Rows carry `object`: a PartialObjectMetadata for `Metadata` (the default, kubectl's), the
 *   object itself for `Object`, null for `None`.
 */
export function buildTable(input: {
  columns: AdditionalPrinterColumn[];
  objects: Record<string, unknown>[];
  includeObject?: 'None' | 'Metadata' | 'Object';
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** Milliseconds since the epoch for `date` cells; defaults to Date.now(). */
  now?: number;
}): Record<string, unknown> {
  const columns = input.columns.length > 0 ? input.columns : [ageColumn];
  const now = input.now ?? Date.now();
  const metadata: Record<string, unknown> = {};
  if (input.listMeta?.resourceVersion) metadata.resourceVersion = input.listMeta.resourceVersion;
  if (input.listMeta?.continue) metadata.continue = input.listMeta.continue;
  if (input.listMeta?.remainingItemCount !== undefined)
    metadata.remainingItemCount = input.listMeta.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: nameDescription, priority: 0 },
      ...columns.map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        description:
          c.description !== undefined && c.description !== ''
            ? c.description
            : `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      })),
    ],
    rows: input.objects.map((obj) => ({
      cells: [metaOf(obj).name ?? '', ...columns.map((c) => cell(c, obj, now))],
      object: rowObject(obj, input.includeObject ?? 'Metadata'),
    })),
  };
}

const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

const ageColumn: AdditionalPrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

function metaOf(obj: Record<string, unknown>): Record<string, unknown> & { name?: string } {
  return isObject(obj.metadata) ? obj.metadata : {};
}

function rowObject(obj: Record<string, unknown>, include: 'None' | 'Metadata' | 'Object'): unknown {
  if (include === 'Object') return obj;
  if (include === 'None') return null;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: metaOf(obj) };
}

function cell(column: AdditionalPrinterColumn, obj: Record<string, unknown>, now: number): unknown {
  let results: unknown[];
  try {
    results = findJsonPathResults(column.jsonPath, obj);
  } catch {
    return null;
  }
  if (results.length === 0) return null;
  const value = results[0];
  switch (column.type) {
    case 'string':
      return printed(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? age(value, now) : null;
    default:
      return null;
  }
}

/** How kubectl's JSONPath printer renders one value. */
function printed(value: unknown): string {
  if (value === null || value === undefined) return '<no value>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? goNumber(value) : goFloat(value);
  if (typeof value === 'boolean') return String(value);
  // Go's encoding/json escapes HTML characters.
  return sortedJson(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** metav1.Time from a query parameter, then ConvertToHumanReadableDateType. */
function age(value: string, now: number): string {
  if (value === '' || value === 'null') return '<unknown>';
  const t = rfc3339.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(t) ? '<invalid>' : humanDuration(now - t);
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration: ~2-3 significant figures, e.g. `5m10s`, `3d4h`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}
