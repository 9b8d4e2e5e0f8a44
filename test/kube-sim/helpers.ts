import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** Shared fixtures of the kube-sim end-to-end tests. */

const fixtures = new URL('./fixtures/', import.meta.url);

/** The PipelineRunNode CRD used by the tests (a fixture, close to the real one). */
export function pipelineRunNodeCrd(): Record<string, unknown> {
  return parse(readFileSync(new URL('crd.yaml', fixtures), 'utf8')) as Record<string, unknown>;
}

export function fixturePath(name: string): string {
  return new URL(name, fixtures).pathname;
}

/** Waits until `check` returns a value other than undefined/false, polling; fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function prn(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name, namespace: 'default' },
    spec: { pipelineRunId: 'flow-abc123', ...spec },
  };
}
