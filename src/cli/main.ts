#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { packageVersion } from './version.ts';

/**
 * The subcommands and how to load each. A subcommand's module (and everything it needs: the
 * controller and client-node for `run`, the simulators for the others) is imported only when that
 * subcommand runs, so `run` loads no simulator code and `--help` loads none of them.
 */
const SUBCOMMANDS: readonly { name: string; summary: string; load: () => Promise<Command> }[] = [
  {
    name: 'run',
    summary: 'the controller',
    load: async () => (await import('./commands/run.ts')).runCommand(),
  },
  {
    name: 'sandbox',
    summary:
      'everything embedded, for a first look: kube-sim, the PAIFlow simulator, the controller, samples',
    load: async () => (await import('./commands/sandbox.ts')).sandboxCommand(),
  },
  {
    name: 'kube-sim',
    summary: 'only the Kubernetes API test server (writes a kubeconfig)',
    load: async () => (await import('./commands/kube-sim.ts')).kubeSimCommand(),
  },
  {
    name: 'paiflow-sim',
    summary: 'only the PAIFlow simulator',
    load: async () => (await import('./commands/paiflow-sim.ts')).paiflowSimCommand(),
  },
];

/**
 * Builds the `paiflow-controller` command line for these arguments: the subcommand they name is
 * loaded in full, the others are listed by name and summary only. Every flag of every subcommand can
 * also be set through the environment variable named in its help text; a flag given on the command
 * line wins.
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('paiflow-controller')
    .description('Track Alibaba Cloud PAI pipeline run nodes as Kubernetes PipelineRunNode resources.')
    .version(packageVersion(), '-V, --version');
  // The program itself has only -V and -h, so the first argument not starting with "-" is the
  // subcommand (`help run` names it second).
  const words = args.filter((arg) => !arg.startsWith('-'));
  const chosen = words[0] === 'help' ? words[1] : words[0];
  for (const sub of SUBCOMMANDS) {
    program.addCommand(
      usage(sub.name === chosen ? await sub.load() : new Command(sub.name)).summary(sub.summary),
    );
  }
  return program.exitOverride();
}

/**
 * A bad flag or variable is a usage error: one line naming the flag and what it expects, then exit 2
 * (as Go's flag package and kubectl do), so a crash-looping pod shows why in its last log line.
 */
function usage(command: Command): Command {
  return command
    .configureOutput({
      outputError: (message, write) => {
        write(`${message.trimEnd()} (run with --help for usage)\n`);
      },
    })
    .exitOverride((error) => {
      throw error;
    });
}

const args = process.argv.slice(2);
try {
  await (await buildProgram(args)).parseAsync(args, { from: 'user' });
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // --help and --version are CommanderErrors too, with exit code 0. Exiting at once, as commander
  // itself would: a check made after start (the probe address) leaves the half-started manager behind.
  process.exit(error.exitCode === 0 ? 0 : 2);
}
