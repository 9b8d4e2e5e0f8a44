import { Command } from 'commander';

/** `paiflow-controller paiflow-sim`: the PAIFlow API simulator alone. */
export function paiflowSimCommand(): Command {
  return new Command('paiflow-sim').description('only the PAIFlow simulator').action(() => {
    process.stderr.write('paiflow-controller paiflow-sim: not part of this build yet.\n');
    process.exitCode = 1;
  });
}
