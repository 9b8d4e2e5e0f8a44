import { deepEqual } from './schema/json.ts';
import type { FieldError } from './errors.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  internalError,
  invalid,
  notFound,
  staleResourceVersion,
} from './errors.ts';
import { trackUpdate } from './managed-fields.ts';
import type { KubeObject } from './object-meta.ts';
import {
  finalizersOf,
  forbiddenValue,
  generatedName,
  metadataOf,
  nameOf,
  newUid,
  pruneMetadata,
  stringField,
  validateObjectMeta,
} from './object-meta.ts';
import type { FieldValidation, ResourceType } from './resource-type.ts';
import { apiVersionOf } from './resource-type.ts';
import { formatStrictDecodingMessage } from './schema/fielderrors.ts';
import type { ObjectStore } from './store.ts';
import { storeKey } from './store.ts';
import { objectSchema, schemaNode } from './structural-schema.ts';
import type { SchemaNode } from './structural-schema.ts';

/**
 * The write path of the generic registry (k8s.io/apiserver registry/generic/registry.Store):
 * server-owned metadata, strategy preparation, admission (schema, validation, namespace
 * lifecycle), field ownership, optimistic concurrency, finalizers and deletionTimestamp, no-op
 * detection and dry runs. Works on served (versioned) objects; stores the storage form.
 */

export interface WriteOptions {
  /** The field manager recorded in managedFields. */
  manager: string;
  dryRun: boolean;
  fieldValidation: FieldValidation;
  /** '' for the main resource, 'status' for /status. */
  subresource: string;
  /** True when `metadata.managedFields` of the candidate was already computed (server-side apply). */
  applied?: boolean;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** 201 for a create, 200 otherwise. */
  code: number;
}

export interface ObjectWriterOptions {
  store: ObjectStore;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** RFC 3339 with seconds, as metav1.Time serialises. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function schemaNodeOf(type: ResourceType): SchemaNode {
  return schemaNode(objectSchema(type.schema));
}

function groupKind(type: ResourceType): { group: string; kind: string } {
  return { group: type.group, kind: type.kind };
}

/** Everything but metadata (and status when it has its own endpoint): what bumps generation. */
function generationContent(obj: KubeObject, type: ResourceType): KubeObject {
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
  if (type.statusSubresource) delete rest.status;
  return rest;
}

export class ObjectWriter {
  readonly #store: ObjectStore;
  readonly #now: () => number;

  constructor(options: ObjectWriterOptions) {
    this.#store = options.store;
    this.#now = options.now;
  }

  /** Throws unless `namespace` exists and is not terminating. */
  #checkNamespace(type: ResourceType, namespace: string, name: string): void {
    if (!type.namespaced) return;
    const ns = this.#store.get('namespaces', storeKey('', namespace));
    if (ns === undefined) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (metadataOf(ns).deletionTimestamp !== undefined) {
      const err = forbidden(
        { group: type.group, resource: type.plural },
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
      err.status.details?.causes?.push({
        reason: 'NamespaceTerminating',
        message: `namespace ${namespace} is being terminated`,
        field: 'metadata.namespace',
      });
      throw err;
    }
  }

  /** Validates an admitted object; returns warnings (unknown fields under Warn). */
  #admit(
    type: ResourceType,
    obj: KubeObject,
    old: KubeObject | undefined,
    options: WriteOptions,
    unknownMetadata: string[],
  ): { obj: KubeObject; warnings: string[] } {
    const admission = type.admit({
      obj,
      ...(old ? { oldObj: old } : {}),
      fieldValidation: options.fieldValidation,
    });
    const unknownFields = [...unknownMetadata, ...admission.unknownFields].sort();
    if (unknownFields.length > 0 && options.fieldValidation === 'Strict') {
      throw badRequest(formatStrictDecodingMessage(type.kind, type.version, unknownFields));
    }
    const result = admission.obj;
    const errors: FieldError[] = [
      ...validateObjectMeta(result, { nameRule: type.nameRule, namespaced: type.namespaced }),
      ...admission.errors,
    ];
    if (old !== undefined && metadataOf(old).deletionTimestamp !== undefined) {
      const added = finalizersOf(result).filter((f) => !finalizersOf(old).includes(f));
      if (added.length > 0) {
        errors.push(
          forbiddenValue(
            'metadata.finalizers',
            `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
          ),
        );
      }
    }
    if (errors.length > 0) throw invalid(groupKind(type), nameOf(result), errors);
    const warnings =
      options.fieldValidation === 'Warn' ? unknownFields.map((f) => `unknown field "${f}"`) : [];
    return { obj: result, warnings };
  }

  /** Creates `served` in `namespace` ('' for cluster-scoped). */
  create(type: ResourceType, namespace: string, served: KubeObject, options: WriteOptions): WriteResult {
    const obj = structuredClone(served);
    this.#checkTypeMeta(type, obj);
    const meta = metadataOf(obj);
    if (type.namespaced) {
      if (stringField(meta, 'namespace') !== '' && meta.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (stringField(meta, 'name') === '' && stringField(meta, 'generateName') !== '') {
      meta.name = generatedName(stringField(meta, 'generateName'));
    }
    if (stringField(meta, 'resourceVersion') !== '') {
      throw internalError('resourceVersion should not be set on objects to be created');
    }
    const now = this.#now();
    meta.uid = newUid();
    meta.creationTimestamp = timestamp(now);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (type.generation) meta.generation = 1;
    else delete meta.generation;
    const unknownMetadata = pruneMetadata(obj);
    type.prepareForCreate(obj);
    this.#checkNamespace(type, namespace, nameOf(obj));
    const { obj: admitted, warnings } = this.#admit(type, obj, undefined, options, unknownMetadata);
    if (options.applied !== true) {
      trackUpdate(schemaNodeOf(type), undefined, admitted, this.#writer(type, options, now));
    }
    pruneMetadata(admitted);
    const key = storeKey(namespace, nameOf(admitted));
    if (this.#store.get(type.bucket, key) !== undefined) {
      throw alreadyExists({ group: type.group, resource: type.plural }, nameOf(admitted));
    }
    if (options.dryRun) return { object: admitted, warnings, code: 201 };
    const stored = this.#store.create(type.bucket, key, type.toStored(admitted));
    return { object: type.toServed(stored), warnings, code: 201 };
  }

  #writer(
    type: ResourceType,
    options: WriteOptions,
    now: number,
  ): { manager: string; apiVersion: string; subresource: string; now: string } {
    return {
      manager: options.manager,
      apiVersion: apiVersionOf(type),
      subresource: options.subresource,
      now: timestamp(now),
    };
  }

  #checkTypeMeta(type: ResourceType, obj: KubeObject): void {
    if (type.typed) {
      obj.apiVersion ??= apiVersionOf(type);
      obj.kind ??= type.kind;
    }
    if (typeof obj.kind !== 'string' || obj.kind === '') {
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(obj)}'`);
    }
    if (obj.apiVersion !== apiVersionOf(type)) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`,
      );
    }
    if (obj.kind !== type.kind) {
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${type.kind})`);
    }
  }

  /** The current served object, or a 404. */
  current(type: ResourceType, namespace: string, name: string): KubeObject {
    const stored = this.#store.get(type.bucket, storeKey(type.namespaced ? namespace : '', name));
    if (stored === undefined) throw notFound({ group: type.group, resource: type.plural }, name);
    return type.toServed(stored);
  }

  /**
   * Replaces an object with `candidate` (a full served object: the PUT body, a patched or an
   * applied copy). `requireResourceVersion` is true for PUT, where an empty resourceVersion is an
   * unconditional update that only some kinds allow.
   */
  update(
    type: ResourceType,
    namespace: string,
    name: string,
    candidate: KubeObject,
    options: WriteOptions & { requireResourceVersion: boolean },
  ): WriteResult {
    const gr = { group: type.group, resource: type.plural };
    const old = this.current(type, namespace, name);
    const oldMeta = metadataOf(old);
    const incoming = structuredClone(candidate);
    this.#checkTypeMeta(type, incoming);
    const meta = metadataOf(incoming);
    if (stringField(meta, 'name') !== name) {
      throw badRequest(
        `the name of the object (${stringField(meta, 'name')}) does not match the name on the URL (${name})`,
      );
    }
    if (type.namespaced && stringField(meta, 'namespace') !== '' && meta.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const rv = stringField(meta, 'resourceVersion');
    if (rv === '' && options.requireResourceVersion && !type.allowUnconditionalUpdate) {
      // The generic store names the kind it can type, and the resource for unstructured objects.
      const qualified = type.typed ? groupKind(type) : { group: type.group, kind: type.plural };
      throw invalid(qualified, name, [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0: must be specified for an update',
        },
      ]);
    }
    if (rv !== '' && rv !== oldMeta.resourceVersion) throw staleResourceVersion(gr, name);
    const uid = stringField(meta, 'uid');
    if (uid !== '' && uid !== oldMeta.uid) {
      throw conflict(
        gr,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(oldMeta.uid)}`,
      );
    }

    let next: KubeObject;
    if (options.subresource === 'status') {
      next = structuredClone(old);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
      metadataOf(next).managedFields = meta.managedFields;
    } else {
      next = incoming;
      const nextMeta = metadataOf(next);
      for (const field of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ]) {
        if (oldMeta[field] === undefined) Reflect.deleteProperty(nextMeta, field);
        else nextMeta[field] = oldMeta[field];
      }
      nextMeta.namespace = oldMeta.namespace;
      delete nextMeta.selfLink;
      if (type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
      type.prepareForUpdate(next, old);
    }
    metadataOf(next).resourceVersion = oldMeta.resourceVersion;
    const unknownMetadata = pruneMetadata(next);
    const { obj: admitted, warnings } = this.#admit(type, next, old, options, unknownMetadata);
    const admittedMeta = metadataOf(admitted);
    if (type.generation && !deepEqual(generationContent(admitted, type), generationContent(old, type))) {
      admittedMeta.generation = (typeof oldMeta.generation === 'number' ? oldMeta.generation : 0) + 1;
    }
    const now = this.#now();
    if (options.applied !== true)
      trackUpdate(schemaNodeOf(type), old, admitted, this.#writer(type, options, now));
    pruneMetadata(admitted);
    const key = storeKey(type.namespaced ? namespace : '', name);

    if (admittedMeta.deletionTimestamp !== undefined && finalizersOf(admitted).length === 0) {
      if (options.dryRun) return { object: admitted, warnings, code: 200 };
      // The real server answers with the object as this update left it, then deletes it.
      this.#store.delete(type.bucket, key);
      return { object: admitted, warnings, code: 200 };
    }
    if (deepEqual(admitted, old) || options.dryRun)
      return { object: options.dryRun ? admitted : old, warnings, code: 200 };
    const stored = this.#store.update(type.bucket, key, type.toStored(admitted));
    return { object: type.toServed(stored), warnings, code: 200 };
  }

  /**
   * Deletes an object: marks it (deletionTimestamp) while finalizers remain, removes it
   * otherwise. Returns the object (marked, or as last stored) and whether it is gone.
   */
  delete(
    type: ResourceType,
    namespace: string,
    name: string,
    options: {
      dryRun: boolean;
      preconditions?: { uid?: string; resourceVersion?: string };
      finalizers?: string[];
    },
  ): { object: KubeObject; gone: boolean } {
    const old = this.current(type, namespace, name);
    const meta = metadataOf(old);
    const pre = options.preconditions ?? {};
    // rest.BeforeDelete checks the preconditions first and names the kind where a resource goes.
    const gk = { group: type.group, resource: type.kind };
    if (pre.uid !== undefined && pre.uid !== meta.uid) {
      throw conflict(
        gk,
        name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${String(meta.uid)}). The object might have been deleted and then recreated`,
      );
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        gk,
        name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${String(meta.resourceVersion)}). The object might have been modified`,
      );
    }
    const key = storeKey(type.namespaced ? namespace : '', name);
    const finalizers = [...new Set([...finalizersOf(old), ...(options.finalizers ?? [])])];
    if (finalizers.length === 0) {
      if (options.dryRun) return { object: old, gone: true };
      const deleted = this.#store.delete(type.bucket, key);
      return { object: deleted === undefined ? old : type.toServed(deleted), gone: true };
    }
    if (meta.deletionTimestamp !== undefined && finalizers.length === finalizersOf(old).length) {
      return { object: old, gone: false };
    }
    const marked = structuredClone(old);
    const markedMeta = metadataOf(marked);
    markedMeta.finalizers = finalizers;
    if (markedMeta.deletionTimestamp === undefined) {
      markedMeta.deletionTimestamp = timestamp(this.#now());
      markedMeta.deletionGracePeriodSeconds = 0;
      if (typeof markedMeta.generation === 'number' && markedMeta.generation > 0) markedMeta.generation += 1;
    }
    if (options.dryRun) return { object: marked, gone: false };
    const stored = this.#store.update(type.bucket, key, type.toStored(marked));
    return { object: type.toServed(stored), gone: false };
  }
}
