import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type PipelineRunNode, type PipelineRunNodeStatus } from '../api/v1alpha1.ts';

export interface PipelineRunNodeList {
  items: PipelineRunNode[];
  metadata: { resourceVersion?: string };
}

/** Typed access to PipelineRunNode resources: the list an informer starts from, and status writes. */
export class PipelineRunNodeApi {
  readonly #api: CustomObjectsApi;

  constructor(options: { kubeConfig: KubeConfig }) {
    this.#api = options.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** The watch path for one namespace, or all namespaces when omitted. */
  static watchPath(namespace?: string): string {
    return namespace === undefined
      ? `/apis/${GROUP}/${VERSION}/${PLURAL}`
      : `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}`;
  }

  /**
   * Lists every resource (in one namespace, or all), page by page so a large cluster never sends one
   * huge response. All pages share the first page's snapshot resourceVersion, from which a watch starts.
   * `keep` maps each item as its page arrives, so what it drops (an informer's transform) is never
   * held for the whole list.
   */
  async list(
    options: {
      namespace?: string;
      labelSelector?: string;
      pageSize?: number;
      keep?: (item: PipelineRunNode) => PipelineRunNode;
    } = {},
  ): Promise<PipelineRunNodeList> {
    const keep = options.keep ?? ((item: PipelineRunNode) => item);
    const items: PipelineRunNode[] = [];
    let resourceVersion: string | undefined;
    let next: string | undefined;
    do {
      const common = {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        limit: options.pageSize ?? 500,
        ...(options.labelSelector !== undefined && { labelSelector: options.labelSelector }),
        ...(next !== undefined && { _continue: next }),
      };
      const page = (
        options.namespace === undefined
          ? await this.#api.listClusterCustomObject(common)
          : await this.#api.listNamespacedCustomObject({ ...common, namespace: options.namespace })
      ) as { items?: PipelineRunNode[]; metadata?: { resourceVersion?: string; continue?: string } };
      for (const item of page.items ?? []) items.push(keep(item));
      resourceVersion ??= page.metadata?.resourceVersion;
      next = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
    } while (next !== undefined);
    return { items, metadata: { ...(resourceVersion !== undefined && { resourceVersion }) } };
  }

  /**
   * Replaces the whole status through the status subresource (JSON Patch `add /status`, which replaces
   * an existing member). A whole replacement, not a merge, so fields the new status no longer has are
   * gone even when the caller's copy of the old status was stale.
   *
   * With `ref.resourceVersion` (the version of the object the status was computed from) the write is
   * conditional: the patch also sets `metadata.resourceVersion`, which the API server checks, so if
   * the object changed since (typically: the informer's cache has not seen our previous write yet)
   * the answer is 409 Conflict instead of a status computed from stale state.
   * Throws the client's errors (404 when the resource is gone, 409 as above: see api-errors.ts).
   */
  async replaceStatus(
    ref: { namespace: string; name: string; resourceVersion?: string | undefined },
    status: PipelineRunNodeStatus,
  ): Promise<PipelineRunNode> {
    return (await this.#api.patchNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: ref.namespace,
      name: ref.name,
      body: [
        ...(ref.resourceVersion === undefined
          ? []
          : [{ op: 'replace', path: '/metadata/resourceVersion', value: ref.resourceVersion }]),
        { op: 'add', path: '/status', value: status },
      ],
      fieldManager: 'paiflow-controller',
    })) as PipelineRunNode;
  }
}
