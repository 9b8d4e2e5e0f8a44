import type { KubeObject } from './object-meta.ts';
import { metadataOf, stringField } from './object-meta.ts';
import type { TableOptions } from './resource-type.ts';

/**
 * Server-side printing of built-in kinds: the `meta.k8s.io/v1` Table the real printers
 * (pkg/printers/internalversion) produce for the columns kube-sim's built-ins have.
 */

/** One column: its definition plus how a cell is computed from an object. */
export interface BuiltinColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority?: number;
  cell(obj: KubeObject, now: number): unknown;
}

const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

export const nameColumn: BuiltinColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: nameDescription,
  cell: (obj) => stringField(metadataOf(obj), 'name'),
};

/** Go's `duration.HumanDuration`, which every Age-like column uses. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    const years = Math.floor(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** `<unknown>` for a missing timestamp, as the real printers show it. */
export function ageSince(timestamp: unknown, now: number): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
}

export const ageColumn: BuiltinColumn = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  cell: (obj, now) => ageSince(metadataOf(obj).creationTimestamp, now),
};

/** The object a row carries: none, its metadata as PartialObjectMetadata, or the whole object. */
export function rowObject(
  obj: KubeObject,
  includeObject: TableOptions['includeObject'],
): KubeObject | undefined {
  if (includeObject === 'None') return undefined;
  if (includeObject === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: metadataOf(obj) };
}

/** Builds the Table for `objects` with `columns`. */
export function builtinTable(
  columns: BuiltinColumn[],
  objects: KubeObject[],
  options: TableOptions,
): Record<string, unknown> {
  const listMeta = options.listMeta ?? {};
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: Object.fromEntries(Object.entries(listMeta).filter(([, v]) => v !== '')),
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description,
      priority: c.priority ?? 0,
    })),
    rows: objects.map((obj) => {
      const object = rowObject(obj, options.includeObject);
      return { cells: columns.map((c) => c.cell(obj, options.now)), ...(object ? { object } : {}) };
    }),
  };
}
