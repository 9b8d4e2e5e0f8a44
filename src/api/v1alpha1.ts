/**
 * The `PipelineRunNode` API (`paiflow.dev/v1alpha1`) as TypeScript types. The CRD in
 * deploy/crd.yaml is the contract users see; `src/api/v1alpha1.test.ts` keeps these types and that
 * schema from drifting apart. This module imports nothing: every layer may depend on it.
 */

export const GROUP = 'paiflow.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'PipelineRunNode';
export const PLURAL = 'pipelinerunnodes';

/** Setting this annotation to a new value asks for one poll now, even of a finished node. */
export const RECONCILE_ANNOTATION = 'paiflow.dev/reconcile-requested-at';

export type NodeType = 'Logical' | 'Physical';

export interface PipelineRunNodeSpec {
  /** The PAI pipeline run ID, e.g. `flow-rbvg5wzljzjhc9xxxx`. Immutable. */
  pipelineRunId: string;
  /** The node to track; omitted: the run's root node (the whole run). Immutable. */
  nodeId?: string;
  /** 1..10: the node plus depth-1 levels of children. Defaulted to 2 by the CRD. */
  depth?: number;
  /** Defaulted to Logical by the CRD. */
  type?: NodeType;
  /** e.g. `cn-hangzhou`; omitted: the controller's default region. */
  region?: string;
  /** Full endpoint override; must match the controller's allow-list. */
  endpoint?: string;
  /** A Secret in the same namespace with accessKeyId, accessKeySecret, optional securityToken. */
  credentialsSecretRef?: { name: string };
  /** The share token (TokenId) of a shared run, kept in a Secret of the same namespace. */
  tokenSecretRef?: { name: string; key: string };
  /** Go-style duration (`30s`, `2m`); default and floor from the controller's configuration. */
  pollInterval?: string;
  /** Stop polling; visible in status and health. */
  suspend?: boolean;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition. `lastTransitionTime` changes only when `status` flips. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase, stable: meant for machines (alerts, GitOps health). */
  reason: string;
  message: string;
  /** RFC 3339. */
  lastTransitionTime: string;
  observedGeneration?: number;
}

export const CONDITION_TYPES = ['Ready', 'Reconciling', 'Stalled', 'Synced'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export interface ChildNodeStatus {
  nodeId: string;
  nodeName?: string;
  /** PAI status verbatim. */
  status: string;
  startedAt?: string;
  finishedAt?: string;
  /** For a failed or terminated child: the error text PAI gave in its RuntimeInfo (bounded). */
  message?: string;
}

export interface PipelineRunNodeStatus {
  /** The generation last acted on. */
  observedGeneration?: number;
  /** The tracked node's PAI status verbatim (`Running`, `Succeeded`, ...). */
  phase?: string;
  /** The tracked node: spec.nodeId, or the run's resolved root node. */
  nodeId?: string;
  nodeName?: string;
  startedAt?: string;
  finishedAt?: string;
  /** The node's RuntimeInfo map, values as strings, bounded in keys and length. */
  runtimeInfo?: Record<string, string>;
  /** RuntimeInfo as PAI sent it, kept only when it was not a JSON object (bounded). */
  runtimeInfoRaw?: string;
  /** Descendants down to spec.depth, capped; see childrenTotal and childrenTruncated. */
  children?: ChildNodeStatus[];
  /** How many descendants PAI reported, even when `children` is truncated. */
  childrenTotal?: number;
  childrenTruncated?: boolean;
  /** `finished/total` over the node's descendants, like Argo Workflows. */
  progress?: string;
  /**
   * The reason of the first condition that is not fine (Stalled True, Synced False, Ready not True),
   * for the REASON printer column; absent when all are fine.
   */
  reason?: string;
  /** The last successful poll that was recorded (refreshed at most every few minutes). */
  lastSyncTime?: string;
  /** Echo of the reconcile-requested-at annotation once handled. */
  lastHandledReconcileAt?: string;
  conditions?: Condition[];
}

/**
 * Hard bounds of status fields, enforced by deploy/crd.yaml (the drift test checks the schema uses
 * exactly these). The status computation writes within them: a status beyond them would be refused
 * by the API server, and unbounded status is how controllers hit etcd's object size limit.
 */
export const STATUS_BOUNDS = {
  /** `status.children` items. */
  children: 100,
  /** `status.conditions` items. */
  conditions: 8,
  /** `status.runtimeInfo` keys. */
  runtimeInfoKeys: 64,
  /** Length of a `status.runtimeInfo` key. */
  runtimeInfoKeyLength: 256,
  /** Length of a `status.runtimeInfo` value. */
  runtimeInfoValueLength: 1024,
  /** Length of `status.runtimeInfoRaw`. */
  runtimeInfoRawLength: 4096,
  /** Length of `status.phase` and of a child's `status`. */
  phaseLength: 64,
  /** Length of node IDs (spec, status, children). */
  nodeIdLength: 128,
  /** Length of node names (status, children). */
  nodeNameLength: 256,
  /** Length of a child's `message`. */
  childMessageLength: 512,
  /** Length of `status.lastHandledReconcileAt`. */
  reconcileRequestLength: 256,
  /** Length of a condition's message (metav1.Condition's own bound). */
  conditionMessageLength: 32768,
} as const;

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PipelineRunNode {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: PipelineRunNodeSpec;
  status?: PipelineRunNodeStatus;
}
