import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from '@jest/globals';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { DEFAULT_KUBECTL, KUBECTL_VERSIONS } from '../support/tools.ts';
import { kubectlMatrix, type MatrixServer } from './kubectl-matrix.ts';

/**
 * The kubectl matrix against kube-sim, which serves `sandbox`: the oldest and the newest kubectl
 * (test/kube-apiserver/kubectl.test.ts runs every version against the real API server).
 */

async function startKubeSim(): Promise<MatrixServer> {
  const sim = new KubeSim();
  await sim.listen({ host: '127.0.0.1', port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'kube-sim-kubectl-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  return {
    kubeconfigPath,
    createNamespace: (prefix) => {
      const name = `${prefix}-${randomBytes(4).toString('hex')}`;
      sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return Promise.resolve(name);
    },
    stop: async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('real kubectl against kube-sim', () => {
  kubectlMatrix([KUBECTL_VERSIONS[0]!, DEFAULT_KUBECTL], startKubeSim, 10_000);
});
