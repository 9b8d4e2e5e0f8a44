import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import type { SampleState } from '../../app/sandbox.ts';
import { systemClock } from '../../clock/clock.ts';
import { createLogger } from '../../observability/logger.ts';
import { numberInRange, positiveDuration } from '../parsers.ts';
import { shutdownSignal } from '../serve.ts';
import { packageVersion } from '../version.ts';
import { SANDBOX_ACCESS_KEY } from './paiflow-sim.ts';

interface SandboxFlags {
  speed: number;
  exitWhenDone?: boolean;
  timeout?: number;
  kubeconfigOut: string;
  listenHost: string;
}

const DEPLOY_DIR = fileURLToPath(new URL('../../../deploy/', import.meta.url));

const HELP_AFTER = `
The samples are deploy/samples/*.yaml, applied to namespace default and pointed at the simulator
(spec.endpoint; pollInterval divided by --speed); each declares the state it should reach in the
annotation paiflow.dev/sandbox-expect. Logs go to sandbox.log next to the kubeconfig.

Exit status: 0 on SIGINT (Ctrl-C) or SIGTERM after a clean shutdown, and with --exit-when-done once
every sample is in its expected state; 1 when --timeout passes first (the samples not there are
listed on stderr) or on an error; a second signal during shutdown exits 1 at once.`;

/**
 * `paiflow-controller sandbox`: everything embedded for a first run (src/app/sandbox.ts). Every flag
 * has an environment variable `PAIFLOW_SANDBOX_<FLAG>`. Prints the kubeconfig path, kubectl commands
 * to try and the URLs, then the samples' progress until a signal, or until done with --exit-when-done.
 */
export function sandboxCommand(): Command {
  const option = (flags: string, description: string): Option => {
    const long = /--([a-z-]+)/.exec(flags)?.[1] ?? '';
    return new Option(flags, description).env(`PAIFLOW_SANDBOX_${long.toUpperCase().replaceAll('-', '_')}`);
  };
  return new Command('sandbox')
    .description(
      'everything embedded: a Kubernetes API test server, the PAIFlow simulator, the controller and ' +
        'sample resources; writes a kubeconfig for real kubectl',
    )
    .addOption(
      option('--speed <n>', 'PAI time (and polling) runs this many times faster than the wall clock')
        .argParser(numberInRange(0.01, 10_000))
        .default(10),
    )
    .addOption(option('--exit-when-done', 'exit 0 once every sample is in its expected state'))
    .addOption(
      option(
        '--timeout <duration>',
        'exit 1 if the samples are not all in their expected state by then (default: no limit)',
      ).argParser(positiveDuration),
    )
    .addOption(
      option('--kubeconfig-out <file>', 'where to write the kubeconfig for kubectl').default(
        join('.sandbox', 'kubeconfig'),
      ),
    )
    .addOption(
      option('--listen-host <host>', 'address every server listens on (each on a free port)').default(
        '127.0.0.1',
      ),
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: SandboxFlags, command: Command) => {
      const kubeconfig = resolve(flags.kubeconfigOut);
      await mkdir(dirname(kubeconfig), { recursive: true });
      const logFile = join(dirname(kubeconfig), 'sandbox.log');
      const logStream = createWriteStream(logFile);
      const log = createLogger({
        level: 'info',
        format: 'json',
        destination: logStream,
        component: 'sandbox',
      });
      const { Sandbox } = await import('../../app/sandbox.ts');
      const { SandboxProgress } = await import('../../app/sandbox-progress.ts');
      const progress = new SandboxProgress({ out: process.stdout, tty: process.stdout.isTTY });
      let finish: (code: number) => void = () => undefined;
      const finished = new Promise<number>((resolve) => (finish = resolve));
      let showing = false;
      const show = (states: readonly SampleState[]): void => {
        if (!showing) return;
        progress.update(states);
        if (flags.exitWhenDone === true && allReached(states)) {
          progress.print('Every sample is in its expected state.\n');
          finish(0);
        }
      };
      const sandbox = new Sandbox({
        deployDir: DEPLOY_DIR,
        speed: flags.speed,
        host: flags.listenHost,
        accessKey: SANDBOX_ACCESS_KEY,
        clock: systemClock,
        log,
        version: packageVersion(),
        onProgress: show,
      });
      const stopping = shutdownSignal();
      void stopping.then(() => {
        finish(0);
      });
      try {
        await sandbox.start();
      } catch (error) {
        await sandbox.stop();
        const { code, syscall } = error as NodeJS.ErrnoException;
        if (syscall === 'listen' || syscall === 'getaddrinfo') {
          command.error(
            `error: option '--listen-host <host>': cannot listen on ${flags.listenHost} (${code ?? syscall}); pick another address.`,
          );
        }
        throw error;
      }
      await writeFile(kubeconfig, sandbox.kubeconfig(), { mode: 0o600 });
      process.stdout.write(banner(flags, kubeconfig, logFile, sandbox));
      showing = true;
      show(sandbox.states());
      if (flags.timeout !== undefined) {
        const limit = flags.timeout;
        const timer = systemClock.setTimer(() => {
          const unmet = sandbox.unmet();
          if (unmet.length === 0) return;
          process.stderr.write(
            `paiflow-controller sandbox: after ${String(limit / 1000)}s, not in the expected state:\n${unmet.map(describeUnmet).join('')}`,
          );
          finish(1);
        }, limit);
        void finished.then(() => {
          timer.cancel();
        });
      }
      const code = await finished;
      void shutdownSignal().then(() => process.exit(1));
      await sandbox.stop();
      await new Promise((resolve) => logStream.end(resolve));
      process.exitCode = code;
    });
}

function allReached(states: readonly SampleState[]): boolean {
  const samples = states.filter((s) => s.expected !== undefined);
  return samples.length > 0 && samples.every((s) => s.reached);
}

function describeUnmet(state: SampleState): string {
  const now = [
    `status=${state.status || '-'}`,
    `ready=${state.ready || '-'}`,
    ...(state.reason === '' ? [] : [`reason=${state.reason}`]),
  ];
  return `  ${state.namespace}/${state.name}: expected ${state.expected ?? ''}, is ${now.join(' ')}\n`;
}

/** The path as typed when it is under the working directory (shorter commands to copy). */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function banner(
  flags: SandboxFlags,
  kubeconfig: string,
  logFile: string,
  urls: { paiflowAdminUrl: string; metricsUrl: string | undefined },
): string {
  const kubectl = `kubectl --kubeconfig ${shown(kubeconfig)}`;
  return `paiflow-controller sandbox: kube-sim, the PAIFlow simulator (${String(flags.speed)}x speed), the controller and the samples are running.

Kubeconfig: ${shown(kubeconfig)}
Try:
  ${kubectl} get prn -A
  ${kubectl} get prn -A -o wide
  ${kubectl} describe prn nightly-training-train
  ${kubectl} wait --for=condition=Ready prn/nightly-training-train --timeout=60s
  ${kubectl} annotate --overwrite prn hyperparameter-search paiflow.dev/reconcile-requested-at=$(date +%s)
Metrics:           ${urls.metricsUrl ?? '(not serving)'}
PAIFlow simulator: ${urls.paiflowAdminUrl}  (its admin API: the runs and their status)
Log:               ${shown(logFile)}
${flags.exitWhenDone === true ? 'Exits once every sample is in its expected state.' : 'Ctrl-C stops everything.'}

`;
}
