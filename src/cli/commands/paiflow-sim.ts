import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import {
  BATCH_LIMIT,
  PaiflowSimulator,
  parseScenarioYaml,
  ScenarioError,
  type AccessKey,
  type Scenario,
  type ThrottleOptions,
} from '../../sandbox/paiflow-sim/index.ts';
import {
  collectAccessKeys,
  intInRange,
  keywordOrDuration,
  numberInRange,
  parseHostPort,
} from '../parsers.ts';
import type { LevelWithSilent } from 'pino';
import { createLogger } from '../../observability/logger.ts';
import { logLevelOption } from '../common-options.ts';
import { listenOrFail, shutdownSignal } from '../serve.ts';

/**
 * The key pair used when no --access-key is given. It is public (printed at start and documented),
 * so the simulator still never serves unsigned requests, and nobody mistakes it for a real key.
 */
export const SANDBOX_ACCESS_KEY: AccessKey = {
  accessKeyId: 'LTAIsandboxPaiflowSim',
  accessKeySecret: 'sandbox-paiflow-sim-secret',
};

interface PaiflowSimFlags {
  listen: { host: string; port: number };
  scenario?: string;
  accessKey?: AccessKey[];
  speed: number;
  manualClock?: boolean;
  throttleQps?: number;
  throttleBurst?: number;
  throttleStatus: '400' | '429';
  retryAfter: 'auto' | 'off' | number;
  batchLimit: number;
  logLevel: LevelWithSilent;
}

/**
 * `paiflow-controller paiflow-sim`: the PAIFlow API simulator alone. Prints the endpoint URL on stdout
 * (one line) once listening; logs JSON lines on stderr; exits 0 on SIGTERM or SIGINT.
 */
export function paiflowSimCommand(): Command {
  const option = (flags: string, description: string, env: string): Option =>
    new Option(flags, description).env(`PAIFLOW_SIM_${env}`);
  return new Command('paiflow-sim')
    .description(
      'only the PAIFlow simulator: serves ListPipelineRunNodeStatus, GetPipelineRun and ListPipelineRunsStatus ' +
        'from a scenario, checks V3 signatures; admin API under /_sim/',
    )
    .addOption(
      option('--listen <host:port>', 'address to listen on (port 0: any free port)', 'LISTEN')
        .argParser(parseHostPort)
        .default({ host: '127.0.0.1', port: 0 }, '127.0.0.1:0'),
    )
    .addOption(
      option(
        '--scenario <file>',
        'scenario YAML (see deploy/samples/paiflow-scenario.yaml); default: no runs',
        'SCENARIO',
      ),
    )
    .addOption(
      option(
        '--access-key <id:secret[:sts-token]>',
        `accepted access key, repeatable or comma-separated; default the public sandbox key ${SANDBOX_ACCESS_KEY.accessKeyId}:${SANDBOX_ACCESS_KEY.accessKeySecret}`,
        'ACCESS_KEY',
      ).argParser(collectAccessKeys),
    )
    .addOption(
      option('--speed <n>', 'scenario time runs this many times faster than the wall clock', 'SPEED')
        .argParser(numberInRange(0.001, 1_000_000))
        .default(1),
    )
    .addOption(
      option(
        '--manual-clock',
        'scenario time moves only through the admin API (/_sim/clock)',
        'MANUAL_CLOCK',
      ),
    )
    .addOption(
      option(
        '--throttle-qps <n>',
        'requests per second per account before Throttling.User; default no throttling',
        'THROTTLE_QPS',
      ).argParser(numberInRange(0.001, 1_000_000)),
    )
    .addOption(
      option(
        '--throttle-burst <n>',
        'token bucket size per account (default: qps rounded up)',
        'THROTTLE_BURST',
      ).argParser(intInRange(1, 1_000_000)),
    )
    .addOption(
      option('--throttle-status <code>', 'HTTP status of Throttling.User answers', 'THROTTLE_STATUS')
        .choices(['400', '429'])
        .default('400'),
    )
    .addOption(
      option(
        '--retry-after <auto|off|duration>',
        'x-acs-retry-after header (milliseconds) on throttling: auto = until a token is free',
        'RETRY_AFTER',
      )
        .argParser(keywordOrDuration('auto', 'off'))
        .default('auto'),
    )
    .addOption(
      option(
        '--batch-limit <n>',
        'entries per list a ListPipelineRunsStatus call may carry (400 InvalidParameter beyond); 0: the action is not served (404)',
        'BATCH_LIMIT',
      )
        .argParser(intInRange(0, 100_000))
        .default(BATCH_LIMIT),
    )
    .addOption(logLevelOption('PAIFLOW_SIM_LOG_LEVEL'))
    .action(async (flags: PaiflowSimFlags, command: Command) => {
      const logger = createLogger({
        level: flags.logLevel,
        format: 'json',
        component: 'paiflow-sim',
      });
      const scenario = flags.scenario === undefined ? undefined : await loadScenario(flags.scenario, command);
      const accessKeys = flags.accessKey ?? [SANDBOX_ACCESS_KEY];
      if (flags.accessKey === undefined) {
        logger.warn(
          { accessKeyId: SANDBOX_ACCESS_KEY.accessKeyId },
          'no --access-key: accepting only the public sandbox key (its secret is in --help)',
        );
      }
      const throttle: ThrottleOptions | undefined =
        flags.throttleQps === undefined
          ? undefined
          : {
              qps: flags.throttleQps,
              burst: flags.throttleBurst,
              status: flags.throttleStatus === '429' ? 429 : 400,
              retryAfter: flags.retryAfter,
            };
      const simulator = new PaiflowSimulator({
        accessKeys,
        scenario,
        clock: flags.manualClock ? { kind: 'manual' } : { kind: 'wall', speed: flags.speed },
        throttle,
        batchLimit: flags.batchLimit,
        logger,
      });
      const endpoint = await listenOrFail(command, flags.listen, (address) => simulator.listen(address));
      logger.info(
        {
          endpoint,
          runs: scenario?.runs.length ?? 0,
          accessKeyIds: accessKeys.map((k) => k.accessKeyId),
          throttle: throttle ?? 'off',
        },
        'paiflow-sim listening',
      );
      process.stdout.write(`${endpoint}\n`);
      const signal = await shutdownSignal();
      logger.info({ signal }, 'paiflow-sim stopping');
      await simulator.close();
    });
}

async function loadScenario(file: string, command: Command): Promise<Scenario> {
  try {
    return parseScenarioYaml(await readFile(file, 'utf8'), file);
  } catch (error) {
    const detail = error instanceof ScenarioError || error instanceof Error ? error.message : String(error);
    return command.error(`error: option '--scenario <file>' argument '${file}' is invalid. ${detail}`);
  }
}
