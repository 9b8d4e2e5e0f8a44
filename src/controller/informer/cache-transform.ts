import { GROUP } from '../../api/v1alpha1.ts';

/** Metadata fields the controller reads (controller, observer, reconciler, Events, metrics). */
const KEPT_METADATA = [
  'name',
  'namespace',
  'uid',
  'generation',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
] as const;

/** Annotations under this prefix are ours (the reconcile request); no other is read. */
const OUR_ANNOTATIONS = `${GROUP}/`;

/**
 * What the informer keeps of a PipelineRunNode from the API server (client-go's
 * `SetTransform(TransformStripManagedFields)`, taken further): spec and status whole, and of the
 * metadata only what the controller reads. Dropped: `managedFields` (a server-side-apply record of
 * every field, often bigger than the spec and status together), labels (the label selector is
 * applied by the server), owner references, finalizers, and annotations other than `paiflow.dev/`
 * ones (above all `kubectl.kubernetes.io/last-applied-configuration`, a copy of the object). The
 * cache holds one object per resource, and 10,000 of them: this is what a resource costs there.
 * Anything without object metadata (a watch's ERROR Status) is returned unchanged.
 */
export function slimResource(object: unknown): unknown {
  if (typeof object !== 'object' || object === null) return object;
  const { metadata, ...rest } = object as { metadata?: unknown };
  if (typeof metadata !== 'object' || metadata === null) return object;
  const source = metadata as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const field of KEPT_METADATA) if (source[field] !== undefined) kept[field] = source[field];
  const annotations = source.annotations as Record<string, string> | undefined;
  if (annotations !== undefined) {
    const ours = Object.entries(annotations).filter(([key]) => key.startsWith(OUR_ANNOTATIONS));
    if (ours.length > 0) kept.annotations = Object.fromEntries(ours);
  }
  return { ...rest, metadata: kept };
}
