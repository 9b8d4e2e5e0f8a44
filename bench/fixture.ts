/**
 * What the simulators hold and what the measured sides poll, so the processes of a benchmark agree
 * without talking. Users track runs the way the end-to-end tests do: each PAI run has three stages of
 * two steps each, all running for a day, and is tracked by four resources: the whole run (its root
 * node, resolved by the controller, depth 2: the stages) and each stage (depth 2: its steps). So a
 * run holds 10 distinct nodes batched for 4 resources (2.5 a resource), nodes have children, and
 * resources share nodes (a stage is a child of the whole run's resource and the tracked node of its
 * own). The PAIFlow simulator's clock is manual and never advances: nothing changes in PAI unless
 * the benchmark changes it (see `stepsOf`).
 */

export const NAMESPACE = 'bench';
export const CREDENTIALS_SECRET = 'paiflow-credentials';
export const ACCESS_KEY = { accessKeyId: 'LTAI-bench', accessKeySecret: 'bench-secret-0123456789' };
export const DEPTH = 2;
export const NODE_TYPE = 'Logical';
/** Scenario time the simulator is set to: past `readyToSchedule` and `starting`, long before the end. */
export const SCENARIO_TIME_MS = 60_000;
export const RESOURCES_PER_RUN = 4;
const STAGES = ['stage-a', 'stage-b', 'stage-c'] as const;
const STEPS_PER_STAGE = 2;

/** One resource and what it tracks; `nodeId` undefined: the whole run (root node resolved). */
export interface Target {
  name: string;
  pipelineRunId: string;
  nodeId: string | undefined;
}

const runIdOf = (run: number): string => `flow-bench${String(run).padStart(5, '0')}`;
const stepId = (stage: string, k: number): string => `${stage}-${k + 1}`;

/** The `count` resources: run 0's four, then run 1's, and so on (the last run may have fewer). */
export function targets(count: number): Target[] {
  return Array.from({ length: count }, (_, i) => {
    const run = Math.floor(i / RESOURCES_PER_RUN);
    const slot = i % RESOURCES_PER_RUN;
    const id = String(run).padStart(5, '0');
    const stage = STAGES[slot - 1];
    return stage === undefined
      ? { name: `run-${id}`, pipelineRunId: runIdOf(run), nodeId: undefined }
      : { name: `run-${id}-${stage}`, pipelineRunId: runIdOf(run), nodeId: stage };
  });
}

/** The runs the `count` resources track, in the simulator's scenario schema. */
export function runsFor(count: number): Record<string, unknown>[] {
  return Array.from({ length: Math.ceil(count / RESOURCES_PER_RUN) }, (_, run) => ({
    id: runIdOf(run),
    rootNodeId: `root-${String(run).padStart(5, '0')}`,
    nodes: STAGES.map((stage) => ({
      id: stage,
      children: Array.from({ length: STEPS_PER_STAGE }, (_, k) => ({
        id: stepId(stage, k),
        duration: '24h',
        runtimeInfo: { JOB: `dlc-${stage}-${k + 1}` },
      })),
    })),
  }));
}

/** A step that can be made to finish, and the resource whose status lists it as a child. */
export interface Step {
  pipelineRunId: string;
  nodeId: string;
  /** The stage's resource. */
  resource: string;
}

/** The steps of the runs behind the `count` resources whose stage is tracked by a resource. */
export function stepsOf(count: number): Step[] {
  return targets(count).flatMap(({ name, pipelineRunId, nodeId: stage }) =>
    stage === undefined
      ? []
      : Array.from({ length: STEPS_PER_STAGE }, (_, k) => ({
          pipelineRunId,
          nodeId: stepId(stage, k),
          resource: name,
        })),
  );
}

/** The PipelineRunNode of a target, polling the simulator at `endpoint` every `pollInterval`. */
export function resourceOf(t: Target, endpoint: string, pollInterval: string): Record<string, unknown> {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name: t.name, namespace: NAMESPACE },
    spec: {
      pipelineRunId: t.pipelineRunId,
      ...(t.nodeId !== undefined && { nodeId: t.nodeId }),
      depth: DEPTH,
      type: NODE_TYPE,
      endpoint,
      credentialsSecretRef: { name: CREDENTIALS_SECRET },
      pollInterval,
    },
  };
}
