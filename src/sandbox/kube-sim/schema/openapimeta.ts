/**
 * OpenAPI v3 component schemas of the apimachinery meta types every resource refers to
 * (ObjectMeta, ListMeta, Status...), and small builders for schemas.
 *
 * Deliberately minimal: the fields, types, list/patch extensions and first sentence of each
 * description that `kubectl explain`, client-side validation and apply's patch computation read;
 * the real documents carry longer descriptions and a few more meta types (WatchEvent, APIResource...).
 */

export type Schema = Record<string, unknown>;

/** The component name prefix of apimachinery meta types. */
export const metaV1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const ref = (name: string, description?: string): Schema =>
  description === undefined
    ? { $ref: `#/components/schemas/${name}` }
    : { allOf: [{ $ref: `#/components/schemas/${name}` }], description };
export const str = (description: string): Schema => ({ type: 'string', description });
export const int = (description: string, format = 'int32'): Schema => ({
  type: 'integer',
  format,
  description,
});
export const bool = (description: string): Schema => ({ type: 'boolean', description });
export const strMap = (description: string): Schema => ({
  type: 'object',
  additionalProperties: { type: 'string', default: '' },
  description,
});
export const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  description,
  properties,
  ...extra,
});
export const gvk = (group: string, version: string, kind: string): Schema => ({
  'x-kubernetes-group-version-kind': [{ group, kind, version }],
});

/** The descriptions of the type-meta fields every top-level kind carries. */
export const typeMeta = {
  apiVersion: str(
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  ),
  kind: str(
    'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  ),
};
export const objectMetaDescription =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
export const listMetaDescription =
  'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

export const withMeta = (
  description: string,
  properties: Record<string, Schema>,
  extra: Schema = {},
): Schema =>
  obj(
    description,
    { ...typeMeta, metadata: ref(`${metaV1}.ObjectMeta`, objectMetaDescription), ...properties },
    extra,
  );

/** Meta types referenced by every group-version document. */
export const metaSchemas: Record<string, Schema> = {
  [`${metaV1}.Time`]: {
    type: 'string',
    format: 'date-time',
    description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.',
  },
  [`${metaV1}.MicroTime`]: {
    type: 'string',
    format: 'date-time',
    description: 'MicroTime is version of Time with microsecond level precision.',
  },
  [`${metaV1}.FieldsV1`]: {
    type: 'object',
    description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.',
  },
  [`${metaV1}.Patch`]: {
    type: 'object',
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
  },
  [`${metaV1}.ObjectMeta`]: obj(
    'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    {
      annotations: strMap(
        'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.',
      ),
      creationTimestamp: ref(
        `${metaV1}.Time`,
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
      ),
      deletionGracePeriodSeconds: int(
        'Number of seconds allowed for this object to gracefully terminate before it will be removed from the system.',
        'int64',
      ),
      deletionTimestamp: ref(
        `${metaV1}.Time`,
        'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.',
      ),
      finalizers: {
        type: 'array',
        items: { type: 'string', default: '' },
        description: 'Must be empty before the object is deleted from the registry.',
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-patch-strategy': 'merge',
      },
      generateName: str(
        'GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.',
      ),
      generation: int('A sequence number representing a specific generation of the desired state.', 'int64'),
      labels: strMap(
        'Map of string keys and values that can be used to organize and categorize (scope and select) objects.',
      ),
      managedFields: {
        type: 'array',
        items: ref(`${metaV1}.ManagedFieldsEntry`),
        description:
          'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.',
        'x-kubernetes-list-type': 'atomic',
      },
      name: str('Name must be unique within a namespace.'),
      namespace: str('Namespace defines the space within which each name must be unique.'),
      ownerReferences: {
        type: 'array',
        items: ref(`${metaV1}.OwnerReference`),
        description: 'List of objects depended by this object.',
        'x-kubernetes-list-map-keys': ['uid'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      },
      resourceVersion: str('An opaque value that represents the internal version of this object.'),
      selfLink: str(
        'Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.',
      ),
      uid: str('UID is the unique in time and space value for this object.'),
    },
  ),
  [`${metaV1}.ListMeta`]: obj(
    'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
    {
      continue: str('continue may be set if the user set a limit on the number of items returned.'),
      remainingItemCount: int(
        'remainingItemCount is the number of subsequent items in the list which are not included in this list response.',
        'int64',
      ),
      resourceVersion: str("String that identifies the server's internal version of this object."),
      selfLink: str(
        'Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.',
      ),
    },
  ),
  [`${metaV1}.ManagedFieldsEntry`]: obj(
    'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
    {
      apiVersion: str('APIVersion defines the version of this resource that this field set applies to.'),
      fieldsType: str('FieldsType is the discriminator for the different fields format and version.'),
      fieldsV1: ref(
        `${metaV1}.FieldsV1`,
        'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.',
      ),
      manager: str('Manager is an identifier of the workflow managing these fields.'),
      operation: str(
        'Operation is the type of operation which lead to this ManagedFieldsEntry being created.',
      ),
      subresource: str(
        'Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.',
      ),
      time: ref(`${metaV1}.Time`, 'Time is the timestamp of when the ManagedFields entry was added.'),
    },
  ),
  [`${metaV1}.OwnerReference`]: obj(
    'OwnerReference contains enough information to let you identify an owning object.',
    {
      apiVersion: str('API version of the referent.'),
      blockOwnerDeletion: bool(
        'If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.',
      ),
      controller: bool('If true, this reference points to the managing controller.'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      uid: str('UID of the referent.'),
    },
    { required: ['apiVersion', 'kind', 'name', 'uid'], 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${metaV1}.Preconditions`]: obj(
    'Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.',
    {
      resourceVersion: str('Specifies the target ResourceVersion'),
      uid: str('Specifies the target UID.'),
    },
  ),
  [`${metaV1}.DeleteOptions`]: obj('DeleteOptions may be provided when deleting an API object.', {
    ...typeMeta,
    dryRun: {
      type: 'array',
      items: { type: 'string', default: '' },
      description: 'When present, indicates that modifications should not be persisted.',
      'x-kubernetes-list-type': 'atomic',
    },
    gracePeriodSeconds: int('The duration in seconds before the object should be deleted.', 'int64'),
    orphanDependents: bool(
      'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.',
    ),
    preconditions: ref(`${metaV1}.Preconditions`, 'Must be fulfilled before a deletion is carried out.'),
    propagationPolicy: str('Whether and how garbage collection will be performed.'),
  }),
  [`${metaV1}.StatusCause`]: obj(
    'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.',
    {
      field: str('The field of the resource that has caused this error, as named by its JSON serialization.'),
      message: str('A human-readable description of the cause of the error.'),
      reason: str('A machine-readable description of the cause of the error.'),
    },
  ),
  [`${metaV1}.StatusDetails`]: obj(
    'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.',
    {
      causes: {
        type: 'array',
        items: ref(`${metaV1}.StatusCause`),
        description: 'The Causes array includes more details associated with the StatusReason failure.',
        'x-kubernetes-list-type': 'atomic',
      },
      group: str('The group attribute of the resource associated with the status StatusReason.'),
      kind: str('The kind attribute of the resource associated with the status StatusReason.'),
      name: str(
        'The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).',
      ),
      retryAfterSeconds: int('If specified, the time in seconds before the operation should be retried.'),
      uid: str('UID of the resource.'),
    },
  ),
  [`${metaV1}.Status`]: obj("Status is a return value for calls that don't return other objects.", {
    ...typeMeta,
    code: int('Suggested HTTP return code for this status, 0 if not set.'),
    details: ref(`${metaV1}.StatusDetails`, 'Extended data associated with the reason.'),
    message: str('A human-readable description of the status of this operation.'),
    metadata: ref(`${metaV1}.ListMeta`, listMetaDescription),
    reason: str('A machine-readable description of why this operation is in the "Failure" status.'),
    status: str('Status of the operation. One of: "Success" or "Failure".'),
  }),
};
