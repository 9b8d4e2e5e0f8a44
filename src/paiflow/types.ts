/**
 * Typed requests and results of the PAIFlow operations the controller uses (API version 2021-02-02).
 * Results are normalised: timestamps RFC 3339 in UTC or absent, statuses verbatim, RequestId trimmed.
 */

/** `Logical`: the nodes the user submitted. `Physical`: the nodes containers run on. */
export type NodeType = 'Logical' | 'Physical';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A node's RuntimeInfo: user-defined key-value pairs that PAIFlow encodes as a JSON string. */
export interface RuntimeInfo {
  /** The decoded map; absent when `raw` is empty, not JSON, or JSON that is not an object. */
  parsed?: Record<string, JsonValue>;
  /** The string as PAIFlow sent it ('' when absent). */
  raw: string;
}

export interface NodeStatus {
  nodeId: string;
  /** '' when absent. */
  nodeName: string;
  /**
   * PAIFlow's status, verbatim (`Running`, `Succeeded`, ... and values not documented anywhere);
   * `Unknown` when absent or empty. A value that is not a string (a number, an object) is kept as
   * its JSON text, and `statusMalformed` is set so the caller can say the answer was not as documented.
   */
  status: string;
  statusMalformed?: true;
  /** RFC 3339, UTC, with milliseconds; absent until the node starts (or when the value is not a time). */
  startedAt?: string;
  finishedAt?: string;
  runtimeInfo: RuntimeInfo;
}

export interface ListPipelineRunNodeStatusRequest {
  pipelineRunId: string;
  nodeId: string;
  /** 1..10: the node plus depth-1 levels of children. PAIFlow's default applies when omitted. */
  depth?: number;
  /** PAIFlow's default (`Logical`) applies when omitted. */
  type?: NodeType;
  /** The share token of a shared pipeline run. A secret: it is never put into messages. */
  tokenId?: string;
}

export interface ListPipelineRunNodeStatusResult {
  /** Trimmed; absent when the response carries none. */
  requestId?: string;
  /** In PAIFlow's order; whether the queried node comes first is undocumented: find it by nodeId. */
  nodes: NodeStatus[];
}

export interface GetPipelineRunRequest {
  pipelineRunId: string;
  /** Sent as `TokenId` when given (whether GetPipelineRun honours it is undocumented). A secret. */
  tokenId?: string;
}

export interface PipelineRunStatus {
  pipelineRunId: string;
  /** Verbatim; `Unknown` when absent or empty. */
  status: string;
  /** The run's virtual root node; absent until the run starts. */
  nodeId?: string;
  name?: string;
  startedAt?: string;
  finishedAt?: string;
  /** What PAI says about the run's state (GetPipelineRun's `Message`, e.g. why it failed); verbatim. */
  message?: string;
}

export interface GetPipelineRunResult extends PipelineRunStatus {
  requestId?: string;
}

export interface ListPipelineRunsStatusRequest {
  /** Nodes to report on (PAIFlow recommends passing these). */
  nodes?: readonly { pipelineRunId: string; nodeId: string }[];
  /** Runs to report on. */
  pipelineRuns?: readonly string[];
}

/**
 * A node in the batch answer: a NodeStatus that also names its run. The batch answer carries no
 * RuntimeInfo (`runtimeInfo.raw` is '') and no children.
 */
export interface RunNodeStatus extends NodeStatus {
  pipelineRunId: string;
  /** PAI's `IsDeleted`: true when the node's run was deleted; absent when not sent. */
  isDeleted?: boolean;
}

export interface ListPipelineRunsStatusResult {
  requestId?: string;
  pipelineRuns: PipelineRunStatus[];
  nodes: RunNodeStatus[];
}
