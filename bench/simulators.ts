/**
 * Child process of the benchmark: kube-sim (with the real CRD, the namespace, the credentials
 * Secret and N PipelineRunNodes) and the PAIFlow simulator (the runs they track, on a manual clock),
 * both on 127.0.0.1. Run apart from the measured side so their CPU is not counted as the controller's.
 * On request it also changes PAI during the measured window and times how long each change takes to
 * reach the resource's status as kube-sim stores it (see {@link ChangeRequest}).
 *
 * Usage: `node bench/simulators.ts <resources> <pollInterval>`, forked with an IPC channel. Sends one
 * {@link SimulatorsReady} message; stops when the parent disconnects (also when it dies) or on SIGTERM.
 * The parent reads request counts over each simulator's `/_sim/` admin API.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineRunNode } from '../src/api/v1alpha1.ts';
import { parseAllDocuments } from 'yaml';
import { KubeSim } from '../src/sandbox/kube-sim/kube-sim.ts';
import { PaiflowSimulator, validateScenario } from '../src/sandbox/paiflow-sim/index.ts';
import {
  ACCESS_KEY,
  CREDENTIALS_SECRET,
  NAMESPACE,
  resourceOf,
  runsFor,
  SCENARIO_TIME_MS,
  stepsOf,
  targets,
  type Step,
} from './fixture.ts';

export interface SimulatorsReady {
  kind: 'ready';
  kubeUrl: string;
  kubeconfig: string;
  paiflowUrl: string;
}

/**
 * Finish `count` running steps (distinct, picked at random), one every `durationMs / count`, and time
 * each until the stage's resource shows the step `Succeeded` among its children; give up on those not
 * shown `graceMs` after the last change.
 */
export interface ChangeRequest {
  kind: 'changes';
  count: number;
  durationMs: number;
  graceMs: number;
}

/** The answer to a {@link ChangeRequest}: the delays of the changes shown, and how many were not. */
export interface ChangeResult {
  kind: 'changes';
  delaysMs: number[];
  unseen: number;
}

// How often pending changes are checked: the resolution of the delays.
const CHECK_EVERY_MS = 20;

async function main(): Promise<void> {
  const [resourcesArg = '', pollInterval = ''] = process.argv.slice(2);
  const resources = Number(resourcesArg);
  if (!Number.isInteger(resources) || resources < 1 || pollInterval === '' || process.send === undefined) {
    throw new Error('usage: node bench/simulators.ts <resources> <pollInterval>, forked with IPC');
  }
  const all = targets(resources);

  const paiflow = new PaiflowSimulator({
    accessKeys: [ACCESS_KEY],
    scenario: validateScenario({ runs: runsFor(resources) }),
    clock: { kind: 'manual' },
  });
  paiflow.setTime(SCENARIO_TIME_MS);
  const paiflowUrl = await paiflow.listen({ host: '127.0.0.1', port: 0 });

  // kube-sim keeps this many changes for watches; the initial status writes must not push the
  // informer's resourceVersion out of the window (a 410 would relist mid-benchmark).
  const kube = new KubeSim({ historyLimit: Math.max(1000, 4 * resources) });
  const crd = parseAllDocuments(readFileSync(new URL('../deploy/crd.yaml', import.meta.url), 'utf8'))[0];
  if (crd === undefined) throw new Error('deploy/crd.yaml holds no document');
  kube.create(crd.toJS() as Record<string, unknown>);
  const kubeUrl = await kube.listen({ host: '127.0.0.1', port: 0 });
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CREDENTIALS_SECRET, namespace: NAMESPACE },
    stringData: { ...ACCESS_KEY },
  });
  for (const t of all) kube.create(resourceOf(t, paiflowUrl, pollInterval));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all([kube.close(), paiflow.close()]);
      if (process.connected) process.disconnect();
    })());
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());

  const shown = (step: Step): boolean => {
    const object = kube.get({
      apiVersion: 'paiflow.dev/v1alpha1',
      kind: 'PipelineRunNode',
      namespace: NAMESPACE,
      name: step.resource,
    }) as PipelineRunNode | undefined;
    return (
      object?.status?.children?.some((c) => c.nodeId === step.nodeId && c.status === 'Succeeded') === true
    );
  };
  const change = async (request: ChangeRequest): Promise<ChangeResult> => {
    const steps = stepsOf(resources);
    const pending = new Map<Step, number>();
    const delaysMs: number[] = [];
    const check = (): void => {
      for (const [step, at] of pending) {
        if (!shown(step)) continue;
        delaysMs.push(performance.now() - at);
        pending.delete(step);
      }
    };
    const start = performance.now();
    let made = 0;
    while (made < request.count || pending.size > 0) {
      const now = performance.now() - start;
      if (now > request.durationMs + request.graceMs) break;
      // The changes due by now, evenly spaced over the window.
      while (made < request.count && (made * request.durationMs) / request.count <= now && steps.length > 0) {
        const [step] = steps.splice(Math.floor(Math.random() * steps.length), 1);
        if (step === undefined) break;
        paiflow.setNodeOutcome(step.pipelineRunId, step.nodeId, 'succeed');
        pending.set(step, performance.now());
        made++;
      }
      check();
      await sleep(CHECK_EVERY_MS);
    }
    return { kind: 'changes', delaysMs, unseen: pending.size };
  };
  // The only message the parent sends.
  process.on('message', (message: ChangeRequest) => {
    void change(message).then((result) => process.send?.(result));
  });

  const ready: SimulatorsReady = { kind: 'ready', kubeUrl, kubeconfig: kube.kubeconfig(), paiflowUrl };
  process.send(ready);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
