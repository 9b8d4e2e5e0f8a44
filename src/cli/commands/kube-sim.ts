import { Command } from 'commander';

/** `paiflow-controller kube-sim`: the Kubernetes API test server alone. */
export function kubeSimCommand(): Command {
  return new Command('kube-sim')
    .description('only the Kubernetes API test server (writes a kubeconfig)')
    .action(() => {
      process.stderr.write('paiflow-controller kube-sim: not part of this build yet.\n');
      process.exitCode = 1;
    });
}
