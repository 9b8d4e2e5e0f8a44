import type { BuiltinColumn } from '../builtin-table.ts';
import { ageSince, humanDuration, nameColumn } from '../builtin-table.ts';
import type { BuiltinDefinition } from '../builtin-type.ts';
import type { FieldError } from '../errors.ts';
import type { KubeObject } from '../object-meta.ts';
import { invalidValue, isRecord, metadataOf, requiredValue, stringField } from '../object-meta.ts';
import type { JSONSchemaProps } from '../schema/types.ts';

/**
 * Events, served as core/v1 and as events.k8s.io/v1. As on the real server both are views of the
 * same stored objects (stored in the core shape); the events.k8s.io view renames fields
 * (involvedObject→regarding, message→note, source→deprecatedSource, ...).
 */

const objectReference: JSONSchemaProps = {
  type: 'object',
  properties: Object.fromEntries(
    ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [
      f,
      { type: 'string' },
    ]),
  ),
};

const series: JSONSchemaProps = {
  type: 'object',
  properties: { count: { type: 'integer' }, lastObservedTime: { type: 'string' } },
};

/** Core field name → events.k8s.io field name, for the fields that differ. */
const renames: Array<[string, string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

function rename(obj: KubeObject, pairs: Array<[string, string]>): KubeObject {
  const out: KubeObject = {};
  const map = new Map(pairs);
  for (const [key, value] of Object.entries(obj)) out[map.get(key) ?? key] = value;
  return out;
}

const toEventsV1 = (core: KubeObject): KubeObject => rename(core, renames);
const toCore = (v1: KubeObject): KubeObject => ({
  ...rename(
    v1,
    renames.map(([a, b]) => [b, a]),
  ),
  apiVersion: 'v1',
  kind: 'Event',
});

function reference(obj: KubeObject, field: string): Record<string, unknown> {
  const value = obj[field];
  return isRecord(value) ? value : {};
}

function referenceLabels(prefix: string, ref: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [
      `${prefix}.${f}`,
      typeof ref[f] === 'string' ? ref[f] : '',
    ]),
  );
}

/** Field labels of the stored (core) shape; both views accept the core and the events.k8s.io names. */
function coreFieldLabels(core: KubeObject): Record<string, string> {
  const source = reference(core, 'source');
  return {
    ...referenceLabels('involvedObject', reference(core, 'involvedObject')),
    ...referenceLabels('regarding', reference(core, 'involvedObject')),
    reason: typeof core.reason === 'string' ? core.reason : '',
    reportingComponent: typeof core.reportingComponent === 'string' ? core.reportingComponent : '',
    reportingController: typeof core.reportingComponent === 'string' ? core.reportingComponent : '',
    source: typeof source.component === 'string' ? source.component : '',
    type: typeof core.type === 'string' ? core.type : '',
  };
}

function lastSeen(core: KubeObject, now: number): string {
  const seriesValue = reference(core, 'series');
  if (typeof seriesValue.lastObservedTime === 'string' && typeof core.eventTime === 'string') {
    return `${ageSince(seriesValue.lastObservedTime, now)} (x${JSON.stringify(seriesValue.count ?? 0)} over ${humanDuration(
      Date.parse(seriesValue.lastObservedTime) - Date.parse(core.eventTime),
    )})`;
  }
  if (typeof core.lastTimestamp === 'string') return ageSince(core.lastTimestamp, now);
  return ageSince(core.eventTime, now);
}

/** The real event printer's columns, reading the core shape (`view` converts a served object to it). */
function eventColumns(view: (obj: KubeObject) => KubeObject): BuiltinColumn[] {
  const involved = (obj: KubeObject): Record<string, unknown> => reference(view(obj), 'involvedObject');
  return [
    {
      name: 'Last Seen',
      type: 'string',
      description: 'The time at which the most recent occurrence of this event was recorded.',
      cell: (obj, now) => lastSeen(view(obj), now),
    },
    {
      name: 'Type',
      type: 'string',
      description: 'Type of this event (Normal, Warning), new types could be added in the future.',
      cell: (obj) => view(obj).type ?? '',
    },
    {
      name: 'Reason',
      type: 'string',
      description:
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      cell: (obj) => view(obj).reason ?? '',
    },
    {
      name: 'Object',
      type: 'string',
      description: 'The object that this event is about.',
      cell: (obj) =>
        `${stringField(involved(obj), 'kind').toLowerCase()}/${stringField(involved(obj), 'name')}`,
    },
    {
      name: 'Subobject',
      type: 'string',
      priority: 1,
      description: 'The subobject (fieldPath) that this event is about.',
      cell: (obj) => involved(obj).fieldPath ?? '',
    },
    {
      name: 'Source',
      type: 'string',
      priority: 1,
      description: 'The component reporting this event.',
      cell: (obj) => {
        const core = view(obj);
        const source = reference(core, 'source');
        return typeof source.component === 'string' && source.component !== ''
          ? source.component
          : (core.reportingComponent ?? '');
      },
    },
    {
      name: 'Message',
      type: 'string',
      description: 'A human-readable description of the status of this operation.',
      cell: (obj) => view(obj).message ?? '',
    },
    {
      name: 'First Seen',
      type: 'string',
      priority: 1,
      description: 'The time at which the event was first recorded.',
      cell: (obj, now) => ageSince(view(obj).firstTimestamp ?? view(obj).eventTime, now),
    },
    {
      name: 'Count',
      type: 'string',
      priority: 1,
      description: 'The number of times this event has occurred.',
      cell: (obj) => JSON.stringify(view(obj).count ?? 1),
    },
    {
      name: 'Name',
      type: 'string',
      priority: 1,
      description: nameColumn.description,
      cell: (obj) => stringField(metadataOf(obj), 'name'),
    },
  ];
}

/** Checks both views share, written against the core shape. */
function validateCore(core: KubeObject, strict: boolean, names: (core: string) => string): FieldError[] {
  const errors: FieldError[] = [];
  const namespace = stringField(metadataOf(core), 'namespace');
  const involved = reference(core, 'involvedObject');
  if (
    typeof involved.namespace === 'string' &&
    involved.namespace !== '' &&
    involved.namespace !== namespace
  ) {
    errors.push(
      invalidValue(
        `${names('involvedObject')}.namespace`,
        involved.namespace,
        'does not match event.namespace',
      ),
    );
  }
  if (!strict && core.eventTime === undefined) return errors;
  if (core.eventTime === undefined) errors.push(requiredValue('eventTime', ''));
  for (const field of ['reportingComponent', 'reportingInstance', 'action', 'reason']) {
    if (typeof core[field] !== 'string' || core[field] === '') errors.push(requiredValue(names(field), ''));
  }
  if (core.type !== 'Normal' && core.type !== 'Warning') {
    errors.push({
      reason: 'FieldValueNotSupported',
      field: 'type',
      message: `Unsupported value: ${JSON.stringify(core.type ?? '')}: supported values: "Normal", "Warning"`,
    });
  }
  if (typeof core.message === 'string' && Buffer.byteLength(core.message) > 1024 && strict) {
    errors.push({
      reason: 'FieldValueTooLong',
      field: names('message'),
      message: 'Too long: must have at most 1024 bytes',
    });
  }
  return errors;
}

const coreSchema: JSONSchemaProps = {
  properties: {
    involvedObject: objectReference,
    reason: { type: 'string' },
    message: { type: 'string' },
    source: { type: 'object', properties: { component: { type: 'string' }, host: { type: 'string' } } },
    firstTimestamp: { type: 'string' },
    lastTimestamp: { type: 'string' },
    count: { type: 'integer' },
    type: { type: 'string' },
    eventTime: { type: 'string' },
    series,
    action: { type: 'string' },
    related: objectReference,
    reportingComponent: { type: 'string' },
    reportingInstance: { type: 'string' },
  },
};

const renamesFromCore = new Map(renames);

export const coreEvents: BuiltinDefinition = {
  group: '',
  version: 'v1',
  plural: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  bucket: 'events',
  schema: coreSchema,
  timeFields: [
    { path: ['firstTimestamp'], micro: false },
    { path: ['lastTimestamp'], micro: false },
    { path: ['eventTime'], micro: true },
    { path: ['series', 'lastObservedTime'], micro: true },
  ],
  columns: eventColumns((obj) => obj),
  extraFieldLabels: coreFieldLabels,
  validate: (obj) => validateCore(obj, false, (f) => f),
};

export const eventsV1: BuiltinDefinition = {
  group: 'events.k8s.io',
  version: 'v1',
  plural: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  bucket: 'events',
  schema: {
    properties: Object.fromEntries(
      Object.entries(coreSchema.properties ?? {}).map(([k, v]) => [renamesFromCore.get(k) ?? k, v]),
    ),
  },
  timeFields: [
    { path: ['deprecatedFirstTimestamp'], micro: false },
    { path: ['deprecatedLastTimestamp'], micro: false },
    { path: ['eventTime'], micro: true },
    { path: ['series', 'lastObservedTime'], micro: true },
  ],
  columns: eventColumns(toCore),
  extraFieldLabels: (obj) => coreFieldLabels(toCore(obj)),
  convert: { toServed: toEventsV1, toStored: toCore },
  validate: (obj) => validateCore(toCore(obj), true, (f) => renamesFromCore.get(f) ?? f),
};
