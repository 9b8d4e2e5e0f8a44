import { ApiException } from '@kubernetes/client-node';
import type { Target } from './target.ts';

/** The areas of the session, in the order they are reported. */
export const areas = [
  'crd',
  'apply',
  'validation',
  'defaulting',
  'cel',
  'status',
  'selectors',
  'watch',
  'errors',
  'lease',
  'events',
  'delete',
] as const;
export type Area = (typeof areas)[number];

/** What the steps of one server's session share (e.g. a resourceVersion to watch from). */
export type SessionState = Map<string, string>;

/**
 * One request or command, run on each server in turn; its answer (any JSON value) is normalized and
 * compared. Steps run in order and may rely on the ones before them. Names are unique: the
 * known-differences list in docs/kube-sim.md refers to steps by `area: name`.
 */
export interface Step {
  area: Area;
  name: string;
  run(target: Target, state: SessionState): Promise<unknown>;
}

export const NAMESPACE = 'conformance';
export const GROUP_PATH = '/apis/paiflow.dev/v1alpha1';
export const PRN_PATH = `${GROUP_PATH}/namespaces/${NAMESPACE}/pipelinerunnodes`;

/** A PipelineRunNode in the session's namespace. */
export function prn(
  name: string,
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name, namespace: NAMESPACE, ...metadata },
    spec: { pipelineRunId: 'flow-abc123', ...spec },
  };
}

/** A client-node call's result, or the status code and body it failed with. */
export async function clientNode(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: JSON.parse(JSON.stringify(await call())) as unknown };
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body: unknown = typeof error.body === 'string' ? parseMaybe(error.body) : error.body;
    return { code: error.code, body };
  }
}

/** kubectl's exit code, stderr and stdout (parsed when it is JSON). */
export async function kubectl(
  target: Target,
  version: string,
  args: string[],
  input?: string,
): Promise<unknown> {
  const result = await target.kubectl(version, args, input);
  // klog lines are kubectl retrying: the real server's discovery lags a new CRD by a moment.
  const stderr = result.stderr.replace(/^[EWI]\d{4} [^\n]*\n/gm, '');
  return { code: result.code, stdout: parseMaybe(result.stdout), stderr };
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
