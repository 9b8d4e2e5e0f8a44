import { cpus } from 'node:os';
import type { PhaseConfig, PhaseResult, Span } from './phase.ts';

/** The figures of one side, derived from what its process measured; undefined: not measurable. */
interface Figures {
  pollsPerSecond: number;
  cpuMsPerPoll: number;
  cpuPercentOfOneCore: number;
  gcMsPerPoll: number;
  simulatorsCpuPercent: number | undefined;
  statusWritesPerPoll: number;
  eventWritesPerPoll: number;
  kubeRequestsPerPoll: number;
  pollErrors: number;
  rssBeforeStartMiB: number;
  peakRssMiB: number;
  maxRssMiB: number;
  liveHeapBeforeMiB: number | undefined;
  liveHeapAfterMiB: number | undefined;
}

const MiB = 1024 * 1024;

function figures(result: PhaseResult): Figures {
  const { counts, usage } = result.window;
  const polls = Math.max(1, counts.polls);
  return {
    pollsPerSecond: counts.polls / (usage.wallMs / 1000),
    cpuMsPerPoll: usage.cpuMs / polls,
    cpuPercentOfOneCore: (100 * usage.cpuMs) / usage.wallMs,
    gcMsPerPoll: usage.gcPauseMs / polls,
    simulatorsCpuPercent:
      usage.simulatorsCpuMs === undefined ? undefined : (100 * usage.simulatorsCpuMs) / usage.wallMs,
    statusWritesPerPoll: counts.statusWrites / polls,
    eventWritesPerPoll: counts.eventWrites / polls,
    kubeRequestsPerPoll: counts.kubeRequests / polls,
    pollErrors: counts.pollErrors,
    rssBeforeStartMiB: result.warmup.usage.rssStartBytes / MiB,
    peakRssMiB: usage.rssPeakBytes / MiB,
    maxRssMiB: result.maxRssBytes / MiB,
    liveHeapBeforeMiB: result.liveHeap && result.liveHeap.beforeStartBytes / MiB,
    liveHeapAfterMiB: result.liveHeap && result.liveHeap.afterWindowBytes / MiB,
  };
}

function fixed(n: number | undefined, digits: number): string {
  return n === undefined ? 'n/a' : n.toFixed(digits);
}

function ratio(x: number | undefined, y: number | undefined): string {
  return x === undefined || y === undefined || y <= 0 ? '' : `${(x / y).toFixed(2)}x`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

function warmupLine(span: Span): string {
  const { counts, usage } = span;
  return (
    `${fixed(usage.wallMs / 1000, 1)} s, ${counts.polls} polls, ${counts.statusWrites} status writes, ` +
    `${counts.eventWrites} event writes, ${counts.kubeRequests} Kubernetes requests, ` +
    `CPU ${fixed(usage.cpuMs, 0)} ms (${fixed(usage.cpuMs / Math.max(1, counts.polls), 3)} ms per poll), ` +
    `peak RSS ${fixed(usage.rssPeakBytes / MiB, 1)} MiB`
  );
}

/** The printed report: configuration, the two sides side by side, the ratios, and warnings. */
export function formatReport(input: {
  config: PhaseConfig;
  controller: PhaseResult;
  bare: PhaseResult;
}): string {
  const { config, controller, bare } = input;
  const c = figures(controller);
  const b = figures(bare);
  const offered = config.resources / (config.pollIntervalMs / 1000);
  // [label, digits, pick, compare]: one row of the table.
  const row = (label: string, digits: number, pick: (f: Figures) => number | undefined, compare = true) => [
    label,
    fixed(pick(c), digits),
    fixed(pick(b), digits),
    compare ? ratio(pick(c), pick(b)) : '',
  ];
  const controllerOnly = (label: string, digits: number, value: number): string[] => [
    label,
    fixed(value, digits),
    '-',
    '',
  ];
  const rows: string[][] = [
    ['', 'controller', 'bare loop', 'controller / bare'],
    row('polls per second', 1, (f) => f.pollsPerSecond),
    row('CPU ms per poll', 3, (f) => f.cpuMsPerPoll),
    row('CPU % of one core', 1, (f) => f.cpuPercentOfOneCore),
    row('  of which GC pauses, ms per poll', 3, (f) => f.gcMsPerPoll),
    row('simulators CPU % of one core', 1, (f) => f.simulatorsCpuPercent, false),
    controllerOnly('status writes per poll', 4, c.statusWritesPerPoll),
    controllerOnly('event writes per poll', 4, c.eventWritesPerPoll),
    controllerOnly('Kubernetes requests per poll', 4, c.kubeRequestsPerPoll),
    row('PAIFlow errors', 0, (f) => f.pollErrors, false),
    row('RSS before starting (MiB)', 1, (f) => f.rssBeforeStartMiB),
    row('peak RSS in window (MiB)', 1, (f) => f.peakRssMiB),
    row('max RSS of process (MiB)', 1, (f) => f.maxRssMiB),
    row('live heap before starting (MiB)', 1, (f) => f.liveHeapBeforeMiB),
    row('live heap after window (MiB)', 1, (f) => f.liveHeapAfterMiB),
  ];

  const warnings: string[] = [];
  if (config.paiflowQps < offered)
    warnings.push(`the PAIFlow QPS limit (${config.paiflowQps}/s) is below the offered load: it binds`);
  for (const [side, f] of [
    ['controller', c],
    ['bare loop', b],
  ] as const) {
    if (f.pollsPerSecond < 0.9 * offered)
      warnings.push(
        `${side}: ${fixed(f.pollsPerSecond, 1)} polls/s, under 90% of the offered ${fixed(offered, 1)}`,
      );
    if (f.pollErrors > 0) warnings.push(`${side}: PAIFlow answered ${f.pollErrors} polls with an error`);
  }
  const steadyWrites = controller.window.counts.statusWrites;
  if (steadyWrites > 0)
    warnings.push(`controller: ${steadyWrites} status writes in steady state (expected 0)`);

  // What the controller keeps once started (cache, queue, timers), without its code.
  const liveGrowth =
    c.liveHeapAfterMiB === undefined || c.liveHeapBeforeMiB === undefined
      ? undefined
      : c.liveHeapAfterMiB - c.liveHeapBeforeMiB;
  const lines = [
    'paiflow-controller benchmark: controller overhead per PAIFlow poll',
    `  ${config.resources} resources, poll interval ${config.pollIntervalMs / 1000} s ` +
      `(offered ${fixed(offered, 1)} polls/s), window ${config.durationMs / 1000} s after warm-up`,
    `  controller: ${config.workers} workers, PAIFlow qps ${config.paiflowQps}, burst ${config.paiflowBurst}, ` +
      `max in flight ${config.paiflowMaxConcurrent}; bare loop: ${config.workers} calls in flight`,
    `  node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} cores; 1-minute load ` +
      `average at the end of each window: ${fixed(controller.loadAverage, 2)}, ${fixed(bare.loadAverage, 2)}`,
    '',
    table(rows),
    '',
    `controller CPU per poll: ${ratio(c.cpuMsPerPoll, b.cpuMsPerPoll)} the bare loop's ` +
      `(+${fixed(c.cpuMsPerPoll - b.cpuMsPerPoll, 3)} ms per poll)`,
    `controller memory: max RSS +${fixed(c.maxRssMiB - b.maxRssMiB, 1)} MiB ` +
      `(+${fixed(c.rssBeforeStartMiB - b.rssBeforeStartMiB, 1)} MiB of it before starting: code); ` +
      `live heap grew by ${fixed(liveGrowth, 1)} MiB once started ` +
      `(${fixed(liveGrowth === undefined ? undefined : (liveGrowth * 1024) / config.resources, 1)} KiB per resource)`,
    `controller reconciles in window: ${Object.entries(controller.details)
      .map(([outcome, n]) => `${outcome} ${n}`)
      .join(', ')}`,
    '',
    `warm-up, controller: ${warmupLine(controller.warmup)}`,
    `warm-up, bare loop:  ${warmupLine(bare.warmup)}`,
    ...(warnings.length > 0 ? ['', ...warnings.map((w) => `WARNING: ${w}`)] : []),
    '',
  ];
  return lines.join('\n');
}
