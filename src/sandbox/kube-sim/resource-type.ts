import type { FieldError } from './errors.ts';
import type { KubeObject, NameRule } from './object-meta.ts';
import { metadataOf, stringField } from './object-meta.ts';
import type { JSONSchemaProps } from './schema/types.ts';

/** What `admit` makes of an incoming object: the defaulted, pruned copy and what is wrong with it. */
export interface Admission {
  obj: KubeObject;
  errors: FieldError[];
  /** Paths of fields the schema does not know (dropped); Strict rejects them, Warn warns. */
  unknownFields: string[];
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Options of a Table request (`Accept: ...;as=Table`). */
export interface TableOptions {
  includeObject: 'None' | 'Metadata' | 'Object';
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  now: number;
}

/**
 * One served resource: a group/version/plural plus the strategy the generic registry of the real
 * server would use for it (conversion, preparation, validation, printing). Built-in kinds and
 * CRD-served kinds both implement it, so the verb handlers know nothing kind-specific.
 */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: string[];
  readonly categories: string[];
  readonly verbs: string[];
  /** Discovery's storageVersionHash, where kube-sim knows the real one (custom resources). */
  readonly storageVersionHash?: string;
  /** Whether `/status` is served (and the main resource ignores status). */
  readonly statusSubresource: boolean;
  /** Storage shared by every version of the kind (core and events.k8s.io Events share one). */
  readonly bucket: string;
  /** Whether objects carry `metadata.generation`, bumped on non-metadata changes. */
  readonly generation: boolean;
  /** Whether a PUT without `metadata.resourceVersion` is allowed. */
  readonly allowUnconditionalUpdate: boolean;
  /** Whether DELETE answers with the object rather than a Success Status. */
  readonly returnDeletedObject: boolean;
  readonly nameRule: NameRule;
  /**
   * Whether the real server decodes it into a typed Go struct (built-ins): a body may then omit
   * apiVersion/kind (the endpoint supplies them) and strategic merge patch applies.
   */
  readonly typed: boolean;
  /** Field labels usable in field selectors, with their values for an object. */
  fieldLabels(obj: KubeObject): Record<string, string>;
  /** The stored object as this version serves it (apiVersion, kind, field renames). */
  toServed(stored: KubeObject): KubeObject;
  /** An object of this version as it is stored. */
  toStored(served: KubeObject): KubeObject;
  /** Kind-specific preparation of a new object (served form), before validation. */
  prepareForCreate(obj: KubeObject): void;
  /** Kind-specific preparation of an update through the main resource (served form). */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  /** Schema validation, defaulting and pruning plus kind-specific rules (served form). */
  admit(input: { obj: KubeObject; oldObj?: KubeObject; fieldValidation: FieldValidation }): Admission;
  /** The kind's schema (its own fields; metadata is ObjectMeta): merge semantics and pruning. */
  readonly schema: JSONSchemaProps | undefined;
  /** The `meta.k8s.io/v1` Table of served objects. */
  table(objects: KubeObject[], options: TableOptions): Record<string, unknown>;
}

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(type: { group: string; version: string }): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** A copy with apiVersion and kind set to this type's (versions that differ only in name). */
export function withTypeMeta(
  obj: KubeObject,
  type: { group: string; version: string; kind: string },
): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion: apiVersionOf(type), kind: type.kind, ...rest };
}

/** The field labels every kind supports. */
export function metadataFieldLabels(obj: KubeObject, namespaced: boolean): Record<string, string> {
  const meta = metadataOf(obj);
  return {
    'metadata.name': stringField(meta, 'name'),
    ...(namespaced ? { 'metadata.namespace': stringField(meta, 'namespace') } : {}),
  };
}
