import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';

/** kube-sim on a loopback port with a kubeconfig file, for tests that run kubectl or Helm against it. */
export interface KubeSimServer {
  sim: KubeSim;
  kubeconfigPath: string;
  /** Closes the server and deletes the kubeconfig. */
  stop: () => Promise<void>;
}

export async function startKubeSimServer(sim = new KubeSim()): Promise<KubeSimServer> {
  await sim.listen({ host: '127.0.0.1', port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'paiflow-kube-sim-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, sim.kubeconfig(), { mode: 0o600 });
  return {
    sim,
    kubeconfigPath,
    stop: async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
