/**
 * Benchmark: what the controller costs per PAIFlow poll, against a bare loop making the same calls
 * in the same run (docs/benchmarks.md explains the method and the figures).
 *
 *   npm run bench -- [--resources 1000] [--duration 20s] [--poll-interval 10s] [--workers 4]
 *                    [--paiflow-qps 1000] [--paiflow-burst 1000] [--max-concurrent 16]
 *                    [--warmup-timeout 2m] [--json]
 *
 * Three kinds of process, so each one's CPU time and memory are its own: one runs kube-sim and the
 * PAIFlow simulator (simulators.ts); then one runs the controller (controller-phase.ts); then one
 * runs the bare loop (bare-phase.ts). This one only orchestrates and prints.
 */
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../src/util/duration.ts';
import { BenchChild } from './child-process.ts';
import type { PhaseConfig, PhaseError, PhaseResult } from './phase.ts';
import type { SimulatorsReady } from './simulators.ts';
import { formatReport } from './report.ts';

const USAGE = `usage: npm run bench -- [options]

  --resources N         PipelineRunNodes, each on its own long-running PAI run (default 1000)
  --duration D          measured window, after warm-up (default 20s)
  --poll-interval D     spec.pollInterval of every resource; offered load = N / D (default 10s)
  --workers N           controller workers; also the bare loop's calls in flight (default 4)
  --paiflow-qps N       controller's PAIFlow rate limit (default 1000: must not bind)
  --paiflow-burst N     controller's PAIFlow burst (default 1000)
  --max-concurrent N    controller's PAIFlow requests in flight (default 16)
  --warmup-timeout D    give up when the first poll of all takes longer (default 2m)
  --json                also print the raw results as JSON
`;

function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got "${text}"`);
  return n;
}

function duration(name: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0)
    throw new Error(`--${name}: expected a duration such as 20s, got "${text}"`);
  return ms;
}

function parseOptions(): {
  config: Omit<PhaseConfig, 'kubeUrl' | 'kubeconfig' | 'paiflowUrl' | 'simulatorsPid'>;
  json: boolean;
} {
  const { values } = parseArgs({
    options: {
      resources: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '20s' },
      'poll-interval': { type: 'string', default: '10s' },
      workers: { type: 'string', default: '4' },
      'paiflow-qps': { type: 'string', default: '1000' },
      'paiflow-burst': { type: 'string', default: '1000' },
      'max-concurrent': { type: 'string', default: '16' },
      'warmup-timeout': { type: 'string', default: '2m' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  return {
    config: {
      resources: positiveInteger('resources', values.resources),
      durationMs: duration('duration', values.duration),
      pollIntervalMs: duration('poll-interval', values['poll-interval']),
      workers: positiveInteger('workers', values.workers),
      paiflowQps: positiveInteger('paiflow-qps', values['paiflow-qps']),
      paiflowBurst: positiveInteger('paiflow-burst', values['paiflow-burst']),
      paiflowMaxConcurrent: positiveInteger('max-concurrent', values['max-concurrent']),
      warmupTimeoutMs: duration('warmup-timeout', values['warmup-timeout']),
      sampleIntervalMs: 50,
    },
    json: values.json,
  };
}

async function runMeasured(script: string, config: PhaseConfig): Promise<PhaseResult> {
  // --expose-gc: for the live-heap figure, taken after the window (see PhaseResult.liveHeapBytes).
  const child = new BenchChild(script, [JSON.stringify(config)], ['--expose-gc']);
  try {
    const answer = (await child.message(config.warmupTimeoutMs + config.durationMs + 60_000)) as
      PhaseResult | PhaseError;
    if (answer.kind === 'error') throw new Error(`${script}: ${answer.message}`);
    return answer;
  } finally {
    await child.stop(15_000);
  }
}

async function main(): Promise<void> {
  const { config: options, json } = parseOptions();
  const simulators = new BenchChild('simulators.ts', [
    String(options.resources),
    `${options.pollIntervalMs}ms`,
  ]);
  try {
    const ready = (await simulators.message(60_000)) as SimulatorsReady;
    const config: PhaseConfig = {
      ...options,
      kubeUrl: ready.kubeUrl,
      kubeconfig: ready.kubeconfig,
      paiflowUrl: ready.paiflowUrl,
      simulatorsPid: simulators.pid,
    };
    process.stderr.write(`simulators ready; measuring the controller (${options.resources} resources)…\n`);
    const controller = await runMeasured('controller-phase.ts', config);
    process.stderr.write('measuring the bare loop…\n');
    const bare = await runMeasured('bare-phase.ts', config);
    process.stdout.write(formatReport({ config, controller, bare }));
    if (json) process.stdout.write(`${JSON.stringify({ config: options, controller, bare }, null, 2)}\n`);
  } finally {
    await simulators.stop(15_000);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
