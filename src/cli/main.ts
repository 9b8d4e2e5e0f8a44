#!/usr/bin/env node
import { Command } from 'commander';
import { runCommand } from './commands/run.ts';
import { sandboxCommand } from './commands/sandbox.ts';
import { kubeSimCommand } from './commands/kube-sim.ts';
import { paiflowSimCommand } from './commands/paiflow-sim.ts';
import { packageVersion } from './version.ts';

/**
 * Builds the `paiflow-controller` command line. Every flag of every subcommand can also be set
 * through the environment variable named in its help text; a flag given on the command line wins.
 */
export function buildProgram(): Command {
  return new Command('paiflow-controller')
    .description('Track Alibaba Cloud PAI pipeline run nodes as Kubernetes PipelineRunNode resources.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(runCommand())
    .addCommand(sandboxCommand())
    .addCommand(kubeSimCommand())
    .addCommand(paiflowSimCommand());
}

await buildProgram().parseAsync(process.argv);
