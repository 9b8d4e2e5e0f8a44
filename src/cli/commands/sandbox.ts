import { Command } from 'commander';

/** `paiflow-controller sandbox`: everything embedded, for a first run (issue #6 builds it). */
export function sandboxCommand(): Command {
  return new Command('sandbox')
    .description(
      'everything embedded: a Kubernetes API test server, the PAIFlow simulator, the controller and ' +
        'sample resources; writes a kubeconfig for real kubectl',
    )
    .action(() => {
      process.stderr.write('paiflow-controller sandbox: not part of this build yet.\n');
      process.exitCode = 1;
    });
}
