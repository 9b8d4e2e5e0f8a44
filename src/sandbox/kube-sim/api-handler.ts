import type { ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { crdCleanupFinalizer } from './builtins/crds.ts';
import {
  applyConflict,
  badRequest,
  invalid,
  methodNotSupported,
  notFound,
  pathNotFound,
  unsupportedMediaType,
} from './errors.ts';
import type { Lifecycle } from './lifecycle.ts';
import { listObjects, selectionFrom } from './list-query.ts';
import { updateLastApplied } from './last-applied.ts';
import { applyConfiguration } from './managed-fields.ts';
import type { Negotiated } from './negotiation.ts';
import type { KubeObject } from './object-meta.ts';
import { isRecord, metadataOf, nameOf, namespaceOf, stringField } from './object-meta.ts';
import type { ObjectWriter, WriteOptions } from './object-writer.ts';
import { schemaNodeOf, timestamp } from './object-writer.ts';
import type { PatchType } from './patch.ts';
import { applyPatch } from './patch.ts';
import { decodeProtobufObject } from './protobuf-body.ts';
import type { ResourceRegistry } from './registry.ts';
import type { RequestInfo } from './request-info.ts';
import type { FieldValidation, ResourceType } from './resource-type.ts';
import { apiVersionOf } from './resource-type.ts';
import type { ObjectStore } from './store.ts';
import type { WatchHub } from './watch-hub.ts';

/**
 * The REST verbs on resources: get, list, watch, create, update, patch (JSON, merge, strategic,
 * apply), delete and deletecollection, on main resources and `/status`. Options come from the
 * query (dryRun, fieldManager, fieldValidation, force, selectors, paging) as on the real server.
 */

/** One API call, decoded. */
export interface ApiRequest {
  info: RequestInfo;
  query: URLSearchParams;
  contentType: string;
  userAgent: string;
  body: Buffer;
  negotiated: Negotiated;
}

/** A response to send, or `undefined` when the handler streamed it (watch). */
export interface ApiResponse {
  code: number;
  body: unknown;
  warnings: string[];
}

export interface ApiHandlerOptions {
  store: ObjectStore;
  registry: ResourceRegistry;
  writer: ObjectWriter;
  lifecycle: Lifecycle;
  watches: WatchHub;
  now: () => number;
  /** Timeout of a watch that sends none (the real server uses 30-60 minutes). */
  defaultWatchTimeoutSeconds: number;
}

const patchTypes: Record<string, PatchType | 'apply'> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

function parseBody(raw: Buffer, contentType: string): unknown {
  if (contentType.startsWith('application/vnd.kubernetes.protobuf')) return decodeProtobufObject(raw);
  const body = raw.toString('utf8');
  if (body.trim() === '') throw badRequest('the body of the request was empty');
  try {
    return contentType.includes('yaml') ? (parseYaml(body) as unknown) : (JSON.parse(body) as unknown);
  } catch (err) {
    throw badRequest(
      `couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function objectBody(body: Buffer, contentType: string): KubeObject {
  const parsed = parseBody(body, contentType);
  if (!isRecord(parsed))
    throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  return parsed;
}

function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation') ?? 'Warn';
  if (value === '' || value === 'Warn') return 'Warn';
  if (value === 'Strict' || value === 'Ignore') return value;
  throw badRequest(
    `fieldValidation: Invalid value: "${value}": fieldValidation must be one of "Ignore", "Warn", or "Strict"`,
  );
}

function dryRunOf(query: URLSearchParams, body?: Record<string, unknown>): boolean {
  const values = [
    ...query.getAll('dryRun'),
    ...(Array.isArray(body?.dryRun) ? (body.dryRun as unknown[]) : []),
  ];
  for (const v of values)
    if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${String(v)}": supported values: "All"`);
  return values.length > 0;
}

/** The real default manager: the User-Agent up to its first slash, `unknown` without one. */
function defaultManager(userAgent: string): string {
  return (userAgent.split('/')[0] ?? '').slice(0, 128) || 'unknown';
}

export class ApiHandler {
  readonly #store: ObjectStore;
  readonly #registry: ResourceRegistry;
  readonly #writer: ObjectWriter;
  readonly #lifecycle: Lifecycle;
  readonly #watches: WatchHub;
  readonly #now: () => number;
  readonly #watchTimeout: number;

  constructor(options: ApiHandlerOptions) {
    this.#store = options.store;
    this.#registry = options.registry;
    this.#writer = options.writer;
    this.#lifecycle = options.lifecycle;
    this.#watches = options.watches;
    this.#now = options.now;
    this.#watchTimeout = options.defaultWatchTimeoutSeconds;
  }

  /** The served type of a request, or a 404 as the real server gives for unknown resources. */
  resolve(info: RequestInfo): ResourceType {
    const type = this.#registry.lookup(info.group, info.version, info.resource);
    if (type === undefined) throw pathNotFound();
    if (info.subresource !== '' && !(info.subresource === 'status' && type.statusSubresource))
      throw pathNotFound();
    return type;
  }

  /** Serves one request; returns undefined when it streamed a watch on `res`. */
  handle(request: ApiRequest, res: ServerResponse): ApiResponse | undefined {
    const { info } = request;
    const type = this.resolve(info);
    const gr = { group: type.group, resource: type.plural };
    if (info.subresource === 'status' && !['get', 'update', 'patch'].includes(info.verb)) {
      throw methodNotSupported(gr, info.verb);
    }
    const namespace = type.namespaced ? info.namespace : '';
    // The real handlers for PUT and PATCH are registered on the collection path too.
    if ((info.verb === 'update' || info.verb === 'patch') && info.name === '')
      throw badRequest('name must be provided');
    switch (info.verb) {
      case 'get':
        return this.#ok(this.#render(type, request, this.#writer.current(type, namespace, info.name)));
      case 'list':
        return this.#ok(this.#list(type, namespace, request));
      case 'watch':
        this.#watch(type, namespace, request, res);
        return undefined;
      case 'create':
        if (this.#registry.isTerminating(type.bucket)) {
          throw methodNotSupported(gr, 'create');
        }
        return this.#settled(() => {
          const result = this.#writer.create(
            type,
            namespace,
            objectBody(request.body, request.contentType),
            this.#writeOptions(request),
          );
          return { code: result.code, body: result.object, warnings: result.warnings };
        });
      case 'update':
        return this.#settled(() => {
          const result = this.#writer.update(
            type,
            namespace,
            info.name,
            objectBody(request.body, request.contentType),
            {
              ...this.#writeOptions(request),
              requireResourceVersion: true,
            },
          );
          return { code: 200, body: result.object, warnings: result.warnings };
        });
      case 'patch':
        return this.#settled(() => this.#patch(type, namespace, request));
      case 'delete':
        return this.#settled(() => this.#delete(type, namespace, request));
      case 'deletecollection':
        return this.#settled(() => this.#deleteCollection(type, namespace, request));
      default:
        throw methodNotSupported(gr, info.verb);
    }
  }

  #ok(body: unknown): ApiResponse {
    return { code: 200, body, warnings: [] };
  }

  /** Runs a write, then lets the simulated controllers react (namespace and CRD cleanup). */
  #settled(write: () => ApiResponse): ApiResponse {
    const response = write();
    this.#lifecycle.settle();
    return response;
  }

  #writeOptions(request: ApiRequest): WriteOptions {
    return {
      manager: request.query.get('fieldManager') ?? defaultManager(request.userAgent),
      dryRun: dryRunOf(request.query),
      fieldValidation: fieldValidationOf(request.query),
      subresource: request.info.subresource,
    };
  }

  #render(type: ResourceType, request: ApiRequest, obj: KubeObject): unknown {
    switch (request.negotiated.rendering) {
      case 'table':
        return type.table([obj], { includeObject: includeObjectOf(request.query), now: this.#now() });
      case 'metadata':
        return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: metadataOf(obj) };
      default:
        return obj;
    }
  }

  #list(type: ResourceType, namespace: string, request: ApiRequest): unknown {
    const result = listObjects(this.#store, selectionFrom(type, namespace, request.query), request.query);
    const listMeta = {
      resourceVersion: result.resourceVersion,
      // Unstructured lists (custom resources) always carry continue, empty on the last page.
      ...(result.continue === undefined
        ? type.typed
          ? {}
          : { continue: '' }
        : { continue: result.continue }),
      ...(result.remainingItemCount === undefined ? {} : { remainingItemCount: result.remainingItemCount }),
    };
    switch (request.negotiated.rendering) {
      case 'table':
        return type.table(result.items, {
          includeObject: includeObjectOf(request.query),
          listMeta,
          now: this.#now(),
        });
      case 'metadata':
        return {
          kind: 'PartialObjectMetadataList',
          apiVersion: 'meta.k8s.io/v1',
          metadata: listMeta,
          items: result.items.map((obj) => ({
            kind: 'PartialObjectMetadata',
            apiVersion: 'meta.k8s.io/v1',
            metadata: metadataOf(obj),
          })),
        };
      default:
        return {
          apiVersion: apiVersionOf(type),
          kind: type.listKind,
          metadata: listMeta,
          items: result.items,
        };
    }
  }

  #watch(type: ResourceType, namespace: string, request: ApiRequest, res: ServerResponse): void {
    const { query } = request;
    const selection = selectionFrom(type, namespace, query);
    const timeout = Number(query.get('timeoutSeconds') ?? '');
    const sendInitialEvents = query.get('sendInitialEvents') === 'true';
    if (sendInitialEvents && query.get('resourceVersionMatch') !== 'NotOlderThan') {
      throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
        {
          reason: 'FieldValueForbidden',
          field: 'resourceVersionMatch',
          message: 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        },
      ]);
    }
    this.#watches.serve(res, {
      selection,
      resourceVersion: query.get('resourceVersion') ?? '',
      allowBookmarks: query.get('allowWatchBookmarks') === 'true',
      sendInitialEvents,
      timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : this.#watchTimeout,
      render: (obj) => this.#render(type, request, obj),
    });
  }

  #patch(type: ResourceType, namespace: string, request: ApiRequest): ApiResponse {
    const { info, query } = request;
    const mediaType = (request.contentType.split(';')[0] ?? '').trim().toLowerCase();
    const patchType = patchTypes[mediaType];
    const accepted = Object.keys(patchTypes).filter((t) => type.typed || patchTypes[t] !== 'strategic');
    if (patchType === undefined || (patchType === 'strategic' && !type.typed)) {
      throw unsupportedMediaType(accepted);
    }
    const options = this.#writeOptions(request);
    const force = query.get('force');
    if (patchType !== 'apply' && force !== null) {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
        {
          reason: 'FieldValueForbidden',
          field: 'force',
          message: 'Forbidden: may not be specified for non-apply patch',
        },
      ]);
    }
    if (patchType === 'apply') return this.#apply(type, namespace, request, options, force === 'true');
    const current = this.#writer.current(type, namespace, info.name);
    const patched = applyPatch(
      patchType,
      current,
      parseBody(request.body, 'application/json'),
      schemaNodeOf(type),
    );
    const result = this.#writer.update(type, namespace, info.name, patched, {
      ...options,
      requireResourceVersion: false,
    });
    return { code: 200, body: result.object, warnings: result.warnings };
  }

  #apply(
    type: ResourceType,
    namespace: string,
    request: ApiRequest,
    options: WriteOptions,
    force: boolean,
  ): ApiResponse {
    const { info, query } = request;
    const manager = query.get('fieldManager') ?? '';
    if (manager === '') {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
        {
          reason: 'FieldValueRequired',
          field: 'fieldManager',
          message: 'Required value: is required for apply patch',
        },
      ]);
    }
    const config = objectBody(request.body, 'application/yaml');
    const meta = metadataOf(config);
    if (stringField(meta, 'name') === '') meta.name = info.name;
    if (config.apiVersion !== apiVersionOf(type) || config.kind !== type.kind) {
      throw badRequest(
        `the API version in the data (${String(config.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
    const gr = { group: type.group, resource: type.plural };
    const live = this.#store.get(type.bucket, `${namespace}/${info.name}`);
    const liveServed = live === undefined ? undefined : type.toServed(live);
    if (liveServed === undefined && info.subresource !== '') throw notFound(gr, info.name);
    const base = liveServed ?? {
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: { name: info.name, ...(type.namespaced ? { namespace } : {}) },
    };
    const result = applyConfiguration({
      node: schemaNodeOf(type),
      live: liveServed,
      base,
      config,
      writer: {
        manager,
        apiVersion: apiVersionOf(type),
        subresource: info.subresource,
        now: timestamp(this.#now()),
      },
      force,
      resetStatus: type.statusSubresource && info.subresource === '',
    });
    if (result.obj === undefined) throw applyConflict(gr, info.name, result.conflicts);
    updateLastApplied(manager, liveServed, config, result.obj);
    const writeOptions = { ...options, manager, applied: true };
    const written =
      liveServed === undefined
        ? this.#writer.create(type, namespace, result.obj, writeOptions)
        : this.#writer.update(type, namespace, info.name, result.obj, {
            ...writeOptions,
            requireResourceVersion: false,
          });
    return { code: written.code, body: written.object, warnings: written.warnings };
  }

  #deleteOptions(request: ApiRequest): {
    dryRun: boolean;
    preconditions?: { uid?: string; resourceVersion?: string };
  } {
    const body = request.body.length === 0 ? {} : objectBody(request.body, request.contentType);
    const pre = isRecord(body.preconditions) ? body.preconditions : {};
    return {
      dryRun: dryRunOf(request.query, body),
      preconditions: {
        ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
        ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
      },
    };
  }

  #delete(type: ResourceType, namespace: string, request: ApiRequest): ApiResponse {
    const { name } = request.info;
    const options = this.#deleteOptions(request);
    if (type.group === '' && type.plural === 'namespaces') {
      return this.#ok(this.#lifecycle.deleteNamespace(type, name, options.dryRun));
    }
    const finalizers =
      type.group === 'apiextensions.k8s.io' && type.plural === 'customresourcedefinitions'
        ? [crdCleanupFinalizer]
        : [];
    const { object, gone } = this.#writer.delete(type, namespace, name, { ...options, finalizers });
    if (!gone || type.returnDeletedObject) return this.#ok(object);
    return this.#ok({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: nameOf(object),
        ...(type.group === '' ? {} : { group: type.group }),
        kind: type.plural,
        uid: metadataOf(object).uid,
      },
    });
  }

  #deleteCollection(type: ResourceType, namespace: string, request: ApiRequest): ApiResponse {
    const options = this.#deleteOptions(request);
    const { items } = listObjects(
      this.#store,
      selectionFrom(type, namespace, request.query),
      new URLSearchParams(),
    );
    const deleted = items.map(
      (obj) => this.#writer.delete(type, namespaceOf(obj), nameOf(obj), options).object,
    );
    return this.#ok({
      apiVersion: apiVersionOf(type),
      kind: type.listKind,
      metadata: { resourceVersion: String(this.#store.revision) },
      items: deleted,
    });
  }
}

function includeObjectOf(query: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}
