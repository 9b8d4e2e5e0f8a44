import type { ApplyConflict } from './managed-fields.ts';
/**
 * Kubernetes API errors as `metav1.Status` bodies, worded as the real kube-apiserver words them
 * (k8s.io/apimachinery/pkg/api/errors), because clients match on `reason`, `code` and `details`.
 */

/** One `details.causes` entry of a Status. */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

/** The `metav1.Status` object the server sends for every failure. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code: number;
}

/** A group and plural resource, as error messages name them (`pipelinerunnodes.paiflow.dev`). */
export interface GroupResource {
  group: string;
  resource: string;
}

/** A thrown API failure carrying the Status the server answers with. */
export class KubeError extends Error {
  readonly status: StatusBody;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;
  /** Sent as text/plain instead of the Status, where the real server's HTTP mux answers itself. */
  readonly plainText: string | undefined;

  constructor(
    status: Omit<StatusBody, 'kind' | 'apiVersion' | 'metadata' | 'status'>,
    headers = {},
    plainText?: string,
  ) {
    super(status.message);
    this.name = 'KubeError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...status };
    this.headers = headers;
    this.plainText = plainText;
  }

  get code(): number {
    return this.status.code;
  }
}

/** `pipelinerunnodes.paiflow.dev`, or `secrets` for the core group. */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

function details(gr: GroupResource, name: string): StatusBody['details'] {
  // Go's Status omits an empty name.
  return {
    ...(name === '' ? {} : { name }),
    ...(gr.group === '' ? {} : { group: gr.group }),
    kind: gr.resource,
  };
}

export function notFound(gr: GroupResource, name: string): KubeError {
  return new KubeError({
    message: `${qualifiedResource(gr)} "${name}" not found`,
    reason: 'NotFound',
    details: details(gr, name),
    code: 404,
  });
}

/**
 * A path that names no resource the server serves: no handler is registered for it, so the real
 * server's Go HTTP mux answers with its plain-text 404, not a Status.
 */
export function pathNotFound(): KubeError {
  return new KubeError(
    {
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    },
    {},
    '404 page not found\n',
  );
}

export function alreadyExists(gr: GroupResource, name: string): KubeError {
  return new KubeError({
    message: `${qualifiedResource(gr)} "${name}" already exists`,
    reason: 'AlreadyExists',
    details: details(gr, name),
    code: 409,
  });
}

/** A write that lost an optimistic-concurrency race, or that otherwise cannot proceed now. */
export function conflict(gr: GroupResource, name: string, why: string): KubeError {
  return new KubeError({
    message: `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    reason: 'Conflict',
    details: details(gr, name),
    code: 409,
  });
}

/** The optimistic-concurrency failure (stale `metadata.resourceVersion`). */
export function staleResourceVersion(gr: GroupResource, name: string): KubeError {
  return conflict(
    gr,
    name,
    'the object has been modified; please apply your changes to the latest version and try again',
  );
}

/** A field-level validation failure. `cause.message` is the error body without the field. */
export interface FieldError {
  reason: string;
  message: string;
  field: string;
}

/** 422 Invalid, message `Kind.group "name" is invalid: field: body` (several in brackets). */
export function invalid(gk: { group: string; kind: string }, name: string, errors: FieldError[]): KubeError {
  const texts = errors.map((e) => (e.field === '' ? e.message : `${e.field}: ${e.message}`));
  const joined = texts.length === 1 ? (texts[0] ?? '') : `[${texts.join(', ')}]`;
  const qualifiedKind = gk.group === '' ? gk.kind : `${gk.kind}.${gk.group}`;
  return new KubeError({
    message: `${qualifiedKind} "${name}" is invalid: ${joined}`,
    reason: 'Invalid',
    details: {
      ...(name === '' ? {} : { name }),
      ...(gk.group === '' ? {} : { group: gk.group }),
      kind: gk.kind,
      causes: errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
    },
    code: 422,
  });
}

export function badRequest(message: string): KubeError {
  return new KubeError({ message, reason: 'BadRequest', code: 400 });
}

export function methodNotSupported(gr: GroupResource, action: string): KubeError {
  return new KubeError({
    message: `${action} is not supported on resources of kind "${qualifiedResource(gr)}"`,
    reason: 'MethodNotAllowed',
    details: { ...(gr.group === '' ? {} : { group: gr.group }), kind: gr.resource },
    code: 405,
  });
}

export function forbidden(gr: GroupResource, name: string, why: string): KubeError {
  const subject = name === '' ? qualifiedResource(gr) : `${qualifiedResource(gr)} "${name}"`;
  return new KubeError({
    message: `${subject} is forbidden: ${why}`,
    reason: 'Forbidden',
    details: details(gr, name),
    code: 403,
  });
}

export function unauthorized(): KubeError {
  return new KubeError({ message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
}

/** 410 Expired: a resourceVersion or continue token older than the kept history. */
export function expired(message: string): KubeError {
  return new KubeError({ message, reason: 'Expired', code: 410 });
}

export function tooManyRequests(retryAfterSeconds: number): KubeError {
  return new KubeError(
    {
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds },
      code: 429,
    },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

export function internalError(why: string): KubeError {
  return new KubeError({
    message: `Internal error occurred: ${why}`,
    reason: 'InternalError',
    details: { causes: [{ message: why }] },
    code: 500,
  });
}

export function unsupportedMediaType(accepted: string[]): KubeError {
  return new KubeError({
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    reason: 'UnsupportedMediaType',
    code: 415,
  });
}

export function notAcceptable(): KubeError {
  return new KubeError({
    message: 'only the following media types are accepted: application/json, application/yaml',
    reason: 'NotAcceptable',
    code: 406,
  });
}

/**
 * How the real server names the manager an apply conflicts with: an Update manager also by the
 * apiVersion it wrote and when (it might be a controller writing an older version), an Apply
 * manager by name only.
 */
function conflictingManager(c: ApplyConflict): string {
  let text = JSON.stringify(c.manager);
  if (c.subresource !== '') text += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === 'Apply') return text;
  return c.time === '' ? `${text} using ${c.apiVersion}` : `${text} using ${c.apiVersion} at ${c.time}`;
}

/** The server-side apply conflict: one cause per conflicting field, naming the other manager. */
export function applyConflict(gr: GroupResource, name: string, conflicts: ApplyConflict[]): KubeError {
  const n = conflicts.length;
  const lines = conflicts.map((c) => `conflict with ${conflictingManager(c)}: ${c.field}`);
  const message =
    n === 1
      ? `Apply failed with 1 conflict: ${lines[0] ?? ''}`
      : `Apply failed with ${n} conflicts: ${lines.join('\n')}`;
  return new KubeError({
    message,
    reason: 'Conflict',
    details: {
      ...details(gr, name),
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with ${conflictingManager(c)}`,
        field: c.field,
      })),
    },
    code: 409,
  });
}

/** Wraps anything thrown while serving a request into the Status the client will see. */
export function toKubeError(err: unknown): KubeError {
  if (err instanceof KubeError) return err;
  return internalError(err instanceof Error ? err.message : String(err));
}
