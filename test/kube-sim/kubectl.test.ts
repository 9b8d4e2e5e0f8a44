import { randomBytes } from 'node:crypto';
import { describe } from '@jest/globals';
import { startKubeSimServer } from '../support/kube-sim-server.ts';
import { DEFAULT_KUBECTL, KUBECTL_VERSIONS } from '../support/tools.ts';
import { kubectlMatrix, type MatrixServer } from './kubectl-matrix.ts';

/**
 * The kubectl matrix against kube-sim, which serves `sandbox`: the oldest and the newest kubectl
 * (test/kube-apiserver/kubectl.test.ts runs every version against the real API server).
 */

async function startKubeSim(): Promise<MatrixServer> {
  const server = await startKubeSimServer();
  const { sim } = server;
  return {
    kubeconfigPath: server.kubeconfigPath,
    createNamespace: (prefix) => {
      const name = `${prefix}-${randomBytes(4).toString('hex')}`;
      sim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return Promise.resolve(name);
    },
    stop: () => server.stop(),
  };
}

describe('real kubectl against kube-sim', () => {
  kubectlMatrix([KUBECTL_VERSIONS[0]!, DEFAULT_KUBECTL], startKubeSim, 10_000);
});
