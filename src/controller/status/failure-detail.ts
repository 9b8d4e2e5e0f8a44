import type { ChildNodeStatus } from '../../api/v1alpha1.ts';
import { nodeLabel } from './node-label.ts';
import { classifyPaiStatus } from './pai-status.ts';
import { truncate } from './truncate.ts';

/**
 * What PAI said about a failure, for messages people read. ListPipelineRunNodeStatus has no error
 * field: whatever error text PAI (or the component that ran) gives is in the node's RuntimeInfo, under
 * keys nobody has documented (`ERROR`, `ErrorMessage`, `Message`, `Reason`, ...). So keys that look
 * like an error are quoted, and nothing else (RuntimeInfo also holds instance IDs and URLs).
 */
const ERROR_KEY = /err|message|msg|reason|exception|fail/i;

/** Failed children named in a failed node's message; the rest are counted. */
const MAX_FAILED_NAMED = 3;
/** The error text quoted per node. */
const MAX_ERROR_TEXT = 300;

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The error-looking entries of a RuntimeInfo (`ERROR: OOMKilled`), sorted by key, or a raw
 * RuntimeInfo that is not JSON but mentions an error; undefined when there is none.
 */
export function errorText(
  parsed: Readonly<Record<string, unknown>> | undefined,
  raw: string | undefined,
  maxLength = MAX_ERROR_TEXT,
): string | undefined {
  if (parsed !== undefined) {
    const entries = Object.keys(parsed)
      .filter((key) => ERROR_KEY.test(key) && parsed[key] !== undefined && text(parsed[key]).trim() !== '')
      .sort()
      .map((key) => `${key}: ${text(parsed[key]).trim()}`);
    return entries.length === 0 ? undefined : truncate(entries.join('; '), maxLength);
  }
  const trimmed = raw?.trim() ?? '';
  return trimmed !== '' && ERROR_KEY.test(trimmed) ? truncate(trimmed, maxLength) : undefined;
}

/**
 * `; PAI says: ERROR: OOMKilled; failed: node "transform" (node-2): ERROR: OOMKilled, node ... and 2
 * more`: what to add to a failed node's message, from its own RuntimeInfo and its failed or
 * terminated children (skipped ones are neutral and not named). '' when there is nothing to add.
 */
export function failureDetail(
  ownError: string | undefined,
  children: readonly ChildNodeStatus[] | undefined,
): string {
  const failed = (children ?? []).filter((child) => classifyPaiStatus(child.status) === 'failed');
  const named = failed.slice(0, MAX_FAILED_NAMED).map((child) => {
    const who = nodeLabel(child.nodeId, child.nodeName);
    const said = child.message === undefined ? '' : `: ${child.message}`;
    return `${who} ${child.status}${said}`;
  });
  const more = failed.length > named.length ? ` and ${failed.length - named.length} more` : '';
  const own = ownError === undefined ? '' : `; PAI says: ${ownError}`;
  const which = named.length === 0 ? '' : `; failed: ${named.join(', ')}${more}`;
  return `${own}${which}`;
}
