/**
 * Benchmark: the observer (batched PAIFlow polling) against the naive baseline (one detail call per
 * resource and interval), each measured in the same run on the same workload (docs/benchmarks.md
 * explains the method and the figures).
 *
 *   npm run bench -- [--resources 1000] [--poll-interval 30s] [--duration 3 intervals]
 *                    [--change-fraction 0.005] [--designs observer,naive] [--workers 4]
 *                    [--paiflow-qps 1000] [--paiflow-burst 1000] [--max-concurrent 16]
 *                    [--warmup-timeout 5m] [--max-old-space-size M] [--sources] [--json]
 *
 * For each design, fresh processes, so each one's CPU time and memory are its own: one runs kube-sim
 * and the PAIFlow simulator (simulators.ts), which also changes PAI during the window and times each
 * change until it shows in status; one runs the controller (controller-phase.ts). This one only
 * orchestrates and prints.
 */
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../src/util/duration.ts';
import { BenchChild } from './child-process.ts';
import { compileBench } from './compiled.ts';
import { shippedNodeOptions } from './shipped-node-options.ts';
import { stepsOf } from './fixture.ts';
import type { Design, PhaseConfig, PhaseError, PhaseResult, WindowStart } from './phase.ts';
import type { ChangeRequest, ChangeResult, SimulatorsReady } from './simulators.ts';
import { formatReport, type SideResult } from './report.ts';

const USAGE = `usage: npm run bench -- [options]

  --resources N         PipelineRunNodes, four per PAI run (the whole run and its 3 stages) (default 1000)
  --poll-interval D     spec.pollInterval of every resource (default 30s)
  --duration D          measured window, after warm-up (default 3 poll intervals)
  --change-fraction F   steps finished during the window, per poll interval, as a fraction of all
                        steps (default 0.005)
  --designs LIST        observer, naive or both, comma-separated (default observer,naive)
  --workers N           controller workers (default 4)
  --paiflow-qps N       controller's PAIFlow rate limit (default 1000: must not bind)
  --paiflow-burst N     controller's PAIFlow burst (default 1000)
  --max-concurrent N    controller's PAIFlow requests in flight (default 16)
  --warmup-timeout D    give up when the first poll of all takes longer (default 5m)
  --max-old-space-size M  run the controller with node --max-old-space-size=M (MiB), after the
                        image's NODE_OPTIONS (the Dockerfile's, which the controller always runs with)
  --sources             run the controller from the .ts sources (default: compiled with tsc as
                        \`npm run build\` compiles the image's, which is what ships)
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

type Options = Omit<PhaseConfig, 'kubeUrl' | 'kubeconfig' | 'paiflowUrl' | 'simulatorsPid' | 'design'>;

function fraction(text: string): number {
  const n = Number(text);
  if (!(n >= 0 && n <= 1)) throw new Error(`--change-fraction: expected a number from 0 to 1, got "${text}"`);
  return n;
}

function designs(text: string): Design[] {
  const list = text.split(',').map((d) => d.trim());
  for (const d of list) {
    if (d !== 'observer' && d !== 'naive')
      throw new Error(`--designs: expected observer or naive, got "${d}"`);
  }
  return list as Design[];
}

interface Parsed {
  config: Options;
  changeFraction: number;
  designs: Design[];
  /** Extra node options of the controller process: the image's (Dockerfile ENTRYPOINT), then ours. */
  nodeOptions: string[];
  sources: boolean;
  json: boolean;
}

function parseOptions(): Parsed {
  const { values } = parseArgs({
    options: {
      resources: { type: 'string', default: '1000' },
      duration: { type: 'string' },
      'poll-interval': { type: 'string', default: '30s' },
      'change-fraction': { type: 'string', default: '0.005' },
      designs: { type: 'string', default: 'observer,naive' },
      workers: { type: 'string', default: '4' },
      'paiflow-qps': { type: 'string', default: '1000' },
      'paiflow-burst': { type: 'string', default: '1000' },
      'max-concurrent': { type: 'string', default: '16' },
      'warmup-timeout': { type: 'string', default: '5m' },
      'max-old-space-size': { type: 'string' },
      sources: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const pollIntervalMs = duration('poll-interval', values['poll-interval']);
  return {
    config: {
      resources: positiveInteger('resources', values.resources),
      durationMs: values.duration === undefined ? 3 * pollIntervalMs : duration('duration', values.duration),
      pollIntervalMs,
      workers: positiveInteger('workers', values.workers),
      paiflowQps: positiveInteger('paiflow-qps', values['paiflow-qps']),
      paiflowBurst: positiveInteger('paiflow-burst', values['paiflow-burst']),
      paiflowMaxConcurrent: positiveInteger('max-concurrent', values['max-concurrent']),
      warmupTimeoutMs: duration('warmup-timeout', values['warmup-timeout']),
      sampleIntervalMs: 50,
    },
    changeFraction: fraction(values['change-fraction']),
    designs: designs(values.designs),
    nodeOptions: [
      ...shippedNodeOptions(),
      ...(values['max-old-space-size'] === undefined
        ? []
        : [`--max-old-space-size=${positiveInteger('max-old-space-size', values['max-old-space-size'])}`]),
    ],
    sources: values.sources,
    json: values.json,
  };
}

/**
 * One design on fresh simulators: the controller process warms up and tells us when its window
 * starts; the simulators then finish `changes` steps over the window and time them.
 */
async function measure(
  options: Options,
  design: Design,
  changes: number,
  nodeOptions: readonly string[],
  controllerDirectory: URL | undefined,
): Promise<SideResult> {
  const simulators = new BenchChild('simulators.ts', [
    String(options.resources),
    `${options.pollIntervalMs}ms`,
  ]);
  try {
    const ready = (await simulators.message(120_000)) as SimulatorsReady;
    const config: PhaseConfig = {
      ...options,
      design,
      kubeUrl: ready.kubeUrl,
      kubeconfig: ready.kubeconfig,
      paiflowUrl: ready.paiflowUrl,
      simulatorsPid: simulators.pid,
    };
    process.stderr.write(`measuring the ${design} design (${options.resources} resources)…\n`);
    // --expose-gc: for the live-heap figure, taken after the window (see PhaseResult.liveHeapBytes).
    const controller = new BenchChild(
      controllerDirectory === undefined ? 'controller-phase.ts' : 'controller-phase.js',
      [JSON.stringify(config)],
      ['--expose-gc', ...nodeOptions],
      controllerDirectory,
    );
    try {
      const started = (await controller.message(config.warmupTimeoutMs + config.pollIntervalMs + 60_000)) as
        WindowStart | PhaseError;
      if (started.kind === 'error') throw new Error(`${design}: ${started.message}`);
      const request: ChangeRequest = {
        kind: 'changes',
        count: changes,
        durationMs: config.durationMs,
        // Long enough for any change made at the end of the window to show, unless something is wrong.
        graceMs: 2 * config.pollIntervalMs + 10_000,
      };
      simulators.send(request);
      const result = (await controller.message(config.durationMs + 60_000)) as PhaseResult | PhaseError;
      if (result.kind === 'error') throw new Error(`${design}: ${result.message}`);
      const timed = (await simulators.message(request.durationMs + request.graceMs + 30_000)) as ChangeResult;
      return { design, phase: result, changes: timed };
    } finally {
      await controller.stop(15_000);
    }
  } finally {
    await simulators.stop(15_000);
  }
}

async function main(): Promise<void> {
  const { config, changeFraction, designs: chosen, nodeOptions, sources, json } = parseOptions();
  const controllerDirectory = sources ? undefined : compileBench();
  const changes = Math.round(
    (changeFraction * stepsOf(config.resources).length * config.durationMs) / config.pollIntervalMs,
  );
  const sides: SideResult[] = [];
  for (const design of chosen)
    sides.push(await measure(config, design, changes, nodeOptions, controllerDirectory));
  process.stdout.write(formatReport({ config, changeFraction, changes, nodeOptions, sources, sides }));
  if (json) process.stdout.write(`${JSON.stringify({ config, changeFraction, sides }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
