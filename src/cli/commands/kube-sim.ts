import { readFile, writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parseAllDocuments } from 'yaml';
import { KubeSim } from '../../sandbox/kube-sim/kube-sim.ts';
import { collect, intInRange, parseDuration, parseHostPort } from '../parsers.ts';
import type { LevelWithSilent } from 'pino';
import { createLogger } from '../../observability/logger.ts';
import { logLevelOption } from '../common-options.ts';
import { listenOrFail, shutdownSignal } from '../serve.ts';

interface KubeSimFlags {
  listen: { host: string; port: number };
  kubeconfigOut?: string;
  crd?: string[];
  token?: string;
  historyLimit: number;
  bookmarkInterval: number;
  logLevel: LevelWithSilent;
}

/** The objects of a YAML file (multi-document, `kind: List` expanded). */
async function readObjects(file: string): Promise<Record<string, unknown>[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  const objects: Record<string, unknown>[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message ?? 'invalid YAML');
    const value = doc.toJS() as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const obj = value as Record<string, unknown>;
    if (obj.kind === 'List' && Array.isArray(obj.items))
      objects.push(...(obj.items as Record<string, unknown>[]));
    else objects.push(obj);
  }
  return objects;
}

/**
 * `paiflow-controller kube-sim`: the in-memory Kubernetes API server alone. Prints the server URL on
 * stdout (one line) once listening and the CRDs are in; writes a kubeconfig real kubectl and
 * @kubernetes/client-node use as is; exits 0 on SIGTERM or SIGINT.
 */
export function kubeSimCommand(): Command {
  const option = (flags: string, description: string, env: string): Option =>
    new Option(flags, description).env(`KUBE_SIM_${env}`);
  return new Command('kube-sim')
    .description(
      'only the Kubernetes API test server (in memory; discovery, OpenAPI, CRDs and their resources, and the ' +
        'built-in kinds listed in docs/kube-sim.md); writes a kubeconfig; test controls under /_sim/',
    )
    .addOption(
      option('--listen <host:port>', 'address to listen on (port 0: any free port)', 'LISTEN')
        .argParser(parseHostPort)
        .default({ host: '127.0.0.1', port: 0 }, '127.0.0.1:0'),
    )
    .addOption(
      option('--kubeconfig-out <file>', 'write a kubeconfig for this server to <file>', 'KUBECONFIG_OUT'),
    )
    .addOption(
      option(
        '--crd <file>',
        'YAML file of CRDs (or other objects) to create at start; repeatable',
        'CRD',
      ).argParser(collect),
    )
    .addOption(
      option(
        '--token <token>',
        'require this bearer token on every API request (default: no authentication)',
        'TOKEN',
      ),
    )
    .addOption(
      option(
        '--history-limit <n>',
        'changes kept for watches before a resourceVersion is too old (410)',
        'HISTORY_LIMIT',
      )
        .argParser(intInRange(1, 10_000_000))
        .default(1000),
    )
    .addOption(
      option(
        '--bookmark-interval <duration>',
        'interval of BOOKMARK events to watches that allow them',
        'BOOKMARK_INTERVAL',
      )
        .argParser(parseDuration)
        .default(60_000, '1m'),
    )
    .addOption(logLevelOption('KUBE_SIM_LOG_LEVEL'))
    .action(async (flags: KubeSimFlags, command: Command) => {
      const logger = createLogger({
        level: flags.logLevel,
        format: 'json',
        component: 'kube-sim',
      });
      const sim = new KubeSim({
        historyLimit: flags.historyLimit,
        bookmarkIntervalMs: flags.bookmarkInterval,
        ...(flags.token === undefined ? {} : { tokens: [{ token: flags.token, user: 'kube-sim-admin' }] }),
      });
      for (const file of flags.crd ?? []) {
        try {
          for (const obj of await readObjects(file)) sim.create(obj);
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          return command.error(`error: option '--crd <file>' argument '${file}' is invalid. ${detail}`);
        }
      }
      const url = await listenOrFail(command, flags.listen, (address) => sim.listen(address));
      if (flags.kubeconfigOut !== undefined)
        await writeFile(flags.kubeconfigOut, sim.kubeconfig(), { mode: 0o600 });
      logger.info(
        { url, kubeconfig: flags.kubeconfigOut, crdFiles: flags.crd ?? [], auth: flags.token !== undefined },
        'kube-sim listening',
      );
      process.stdout.write(`${url}\n`);
      const signal = await shutdownSignal();
      logger.info({ signal }, 'kube-sim stopping');
      await sim.close();
    });
}
