import { Command } from 'commander';

/** `paiflow-controller run`: the controller itself (issue #4 builds it). */
export function runCommand(): Command {
  return new Command('run')
    .description('run the controller (in-cluster config, or KUBECONFIG / --kubeconfig)')
    .action(() => {
      process.stderr.write('paiflow-controller run: the controller is not part of this build yet.\n');
      process.exitCode = 1;
    });
}
