import { badRequest, expired } from './errors.ts';
import type { KubeObject } from './object-meta.ts';
import { labelsOf, nameOf, namespaceOf } from './object-meta.ts';
import type { ResourceType } from './resource-type.ts';
import type { FieldSelector, LabelSelector } from './selectors.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { ObjectStore } from './store.ts';
import { storeKey } from './store.ts';

/**
 * Reading collections: label and field selectors, namespaces, and the resourceVersion semantics
 * of list (current state, an exact older state, pagination with `limit` and `continue` tokens
 * that serve every page from the first page's snapshot).
 */

/** Which objects a list or watch selects. */
export interface Selection {
  type: ResourceType;
  /** '' for every namespace (or cluster-scoped kinds). */
  namespace: string;
  labels: LabelSelector;
  fields: FieldSelector;
  hasSelectors: boolean;
}

export function selectionFrom(type: ResourceType, namespace: string, query: URLSearchParams): Selection {
  const fields = parseFieldSelector(query.get('fieldSelector') ?? undefined);
  const supported = Object.keys(type.fieldLabels({ metadata: {} }));
  for (const field of fields.fields) {
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
  }
  const labelText = query.get('labelSelector') ?? '';
  return {
    type,
    namespace: type.namespaced ? namespace : '',
    labels: parseLabelSelector(labelText),
    fields,
    hasSelectors: labelText.trim() !== '' || fields.fields.length > 0,
  };
}

/** Whether a served object is selected. */
export function selects(selection: Selection, served: KubeObject): boolean {
  if (selection.namespace !== '' && namespaceOf(served) !== selection.namespace) return false;
  return (
    selection.labels.matches(labelsOf(served)) && selection.fields.matches(selection.type.fieldLabels(served))
  );
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString(
    'base64url',
  );
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (parsed.v === 'meta.k8s.io/v1' && typeof parsed.rv === 'number' && typeof parsed.start === 'string') {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through to the error the real server gives for a token it cannot read
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

const continueTooOld =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** Lists served objects per the query's resourceVersion, limit and continue. */
export function listObjects(store: ObjectStore, selection: Selection, query: URLSearchParams): ListResult {
  const { type } = selection;
  const continueText = query.get('continue') ?? '';
  const rvParam = query.get('resourceVersion') ?? '';
  const limit = Number(query.get('limit') ?? '0');
  let revision = store.revision;
  let start = '';
  let stored: KubeObject[];
  if (continueText !== '') {
    if (rvParam !== '') throw badRequest('specifying resource version is not allowed when using continue');
    const token = decodeContinue(continueText);
    revision = token.rv;
    start = token.start;
    stored = store.listAt(type.bucket, revision, continueTooOld);
  } else if (rvParam !== '' && rvParam !== '0' && query.get('resourceVersionMatch') === 'Exact') {
    revision = Number(rvParam);
    if (!Number.isInteger(revision)) throw badRequest(`invalid resource version: ${rvParam}`);
    if (revision < store.compactedRevision)
      throw expired(`too old resource version: ${revision} (${store.compactedRevision})`);
    stored = store.listAt(
      type.bucket,
      revision,
      `too old resource version: ${revision} (${store.compactedRevision})`,
    );
  } else {
    stored = store.list(type.bucket);
  }
  const selected = stored
    .map((obj) => ({
      key: storeKey(type.namespaced ? namespaceOf(obj) : '', nameOf(obj)),
      obj: type.toServed(obj),
    }))
    .filter(({ key, obj }) => key > start && selects(selection, obj));
  // The "0" resourceVersion (any, from the cache) ignores limit on the real server.
  if (!Number.isInteger(limit) || limit <= 0 || rvParam === '0' || selected.length <= limit) {
    return { items: selected.map((s) => s.obj), resourceVersion: String(revision) };
  }
  const page = selected.slice(0, limit);
  const last = page[page.length - 1]?.key ?? '';
  return {
    items: page.map((s) => s.obj),
    resourceVersion: String(revision),
    continue: encodeContinue({ rv: revision, start: `${last}\u0000` }),
    ...(selection.hasSelectors ? {} : { remainingItemCount: selected.length - limit }),
  };
}
