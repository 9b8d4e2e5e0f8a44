/**
 * What the simulators hold and what both measured sides poll, so the three processes of the
 * benchmark agree without talking: resource `i` tracks the root node of its own run `i`, which has
 * two children running for a day and a third waiting on one of them. The PAIFlow simulator's clock
 * is manual and never advances, so nothing ever changes in PAI: every poll after the first finds
 * the same answer (the steady state the figures describe).
 */

export const NAMESPACE = 'bench';
export const CREDENTIALS_SECRET = 'paiflow-credentials';
export const ACCESS_KEY = { accessKeyId: 'LTAI-bench', accessKeySecret: 'bench-secret-0123456789' };
/** Sent explicitly by both sides (they are also the CRD's defaults), so their requests are identical. */
export const DEPTH = 2;
export const NODE_TYPE = 'Logical';
/** Scenario time the simulator is set to: past `readyToSchedule` and `starting`, long before the end. */
export const SCENARIO_TIME_MS = 60_000;

/** One resource and the PAIFlow node it tracks. */
export interface Target {
  name: string;
  pipelineRunId: string;
  nodeId: string;
}

export function target(index: number): Target {
  const id = String(index).padStart(5, '0');
  return { name: `prn-${id}`, pipelineRunId: `flow-bench${id}`, nodeId: `node-root${id}` };
}

export function targets(count: number): Target[] {
  return Array.from({ length: count }, (_, i) => target(i));
}

/** The run behind a target, in the simulator's scenario schema (src/sandbox/paiflow-sim/scenario.ts). */
export function runOf(t: Target): Record<string, unknown> {
  return {
    id: t.pipelineRunId,
    rootNodeId: t.nodeId,
    nodes: [
      { id: `${t.pipelineRunId}-prep`, name: 'prepare', duration: '24h', runtimeInfo: { JOB: 'dlc-bench' } },
      { id: `${t.pipelineRunId}-train`, name: 'train', duration: '24h' },
      {
        id: `${t.pipelineRunId}-eval`,
        name: 'evaluate',
        dependsOn: [`${t.pipelineRunId}-train`],
        duration: '1m',
      },
    ],
  };
}

/** The PipelineRunNode of a target, polling the simulator at `endpoint` every `pollInterval`. */
export function resourceOf(t: Target, endpoint: string, pollInterval: string): Record<string, unknown> {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name: t.name, namespace: NAMESPACE },
    spec: {
      pipelineRunId: t.pipelineRunId,
      nodeId: t.nodeId,
      depth: DEPTH,
      type: NODE_TYPE,
      endpoint,
      credentialsSecretRef: { name: CREDENTIALS_SECRET },
      pollInterval,
    },
  };
}
