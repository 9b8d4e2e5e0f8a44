import { cpus } from 'node:os';
import type { Design, PhaseConfig, PhaseResult, Span } from './phase.ts';
import type { ChangeResult } from './simulators.ts';

/** What one design measured: its controller process and the changes the simulators timed. */
export interface SideResult {
  design: Design;
  phase: PhaseResult;
  changes: ChangeResult;
}

/** The figures of one side; undefined: not measurable. */
interface Figures {
  cycles: number;
  callsPerCycle: number;
  batchCallsPerCycle: number;
  detailCallsPerCycle: number;
  cpuPercentOfOneCore: number;
  cpuUsPerResourcePerCycle: number;
  gcPercentOfOneCore: number;
  simulatorsCpuPercent: number | undefined;
  statusWrites: number;
  eventWrites: number;
  kubeRequests: number;
  paiflowErrors: number;
  rssBeforeStartMiB: number;
  maxRssMiB: number;
  peakRssInWindowMiB: number;
  liveHeapBeforeMiB: number | undefined;
  liveHeapAfterMiB: number | undefined;
  liveHeapKiBPerResource: number | undefined;
  changesShown: number;
  changesUnseen: number;
  p50DelayMs: number | undefined;
  p99DelayMs: number | undefined;
  maxDelayMs: number | undefined;
}

const MiB = 1024 * 1024;

/** The nearest-rank percentile `p` (0..100) of `values`; undefined when empty. */
function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function figures(side: SideResult, config: PhaseConfig): Figures {
  const { counts, usage } = side.phase.window;
  const cycles = usage.wallMs / config.pollIntervalMs;
  const { liveHeap } = side.phase;
  const delays = side.changes.delaysMs;
  return {
    cycles,
    callsPerCycle: counts.paiflowCalls / cycles,
    batchCallsPerCycle: counts.batchCalls / cycles,
    detailCallsPerCycle: counts.detailCalls / cycles,
    cpuPercentOfOneCore: (100 * usage.cpuMs) / usage.wallMs,
    cpuUsPerResourcePerCycle: (1000 * usage.cpuMs) / (config.resources * cycles),
    gcPercentOfOneCore: (100 * usage.gcPauseMs) / usage.wallMs,
    simulatorsCpuPercent:
      usage.simulatorsCpuMs === undefined ? undefined : (100 * usage.simulatorsCpuMs) / usage.wallMs,
    statusWrites: counts.statusWrites,
    eventWrites: counts.eventWrites,
    kubeRequests: counts.kubeRequests,
    paiflowErrors: counts.pollErrors,
    rssBeforeStartMiB: side.phase.warmup.usage.rssStartBytes / MiB,
    maxRssMiB: side.phase.maxRssBytes / MiB,
    liveHeapBeforeMiB: liveHeap && liveHeap.beforeStartBytes / MiB,
    peakRssInWindowMiB: usage.rssPeakBytes / MiB,
    liveHeapAfterMiB: liveHeap && liveHeap.afterWindowBytes / MiB,
    liveHeapKiBPerResource:
      liveHeap && (liveHeap.afterWindowBytes - liveHeap.beforeStartBytes) / 1024 / config.resources,
    changesShown: delays.length,
    changesUnseen: side.changes.unseen,
    p50DelayMs: percentile(delays, 50),
    p99DelayMs: percentile(delays, 99),
    maxDelayMs: percentile(delays, 100),
  };
}

function fixed(n: number | undefined, digits: number): string {
  return n === undefined ? 'n/a' : n.toFixed(digits);
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
    `${fixed(usage.wallMs / 1000, 1)} s, ${counts.paiflowCalls} PAIFlow calls (${counts.batchCalls} batch, ` +
    `${counts.detailCalls} detail), ${counts.statusWrites} status writes, ${counts.eventWrites} event writes, ` +
    `CPU ${fixed(usage.cpuMs / 1000, 1)} s, peak RSS ${fixed(usage.rssPeakBytes / MiB, 1)} MiB`
  );
}

/** The acceptance of issue 13 for the observer, each with its figure. */
function acceptance(f: Figures, config: PhaseConfig): string[] {
  const bound = config.resources / 20;
  const check = (ok: boolean, text: string): string => `  ${ok ? 'ok  ' : 'FAIL'} ${text}`;
  return [
    check(
      f.callsPerCycle <= bound,
      `PAIFlow calls per cycle ${fixed(f.callsPerCycle, 1)} <= N/20 = ${bound}`,
    ),
    check(f.maxRssMiB <= 256, `max RSS ${fixed(f.maxRssMiB, 1)} MiB <= 256 MiB`),
    check(f.cpuPercentOfOneCore <= 10, `CPU ${fixed(f.cpuPercentOfOneCore, 2)} % <= 10 % of one core`),
    check(
      f.p99DelayMs !== undefined && f.changesUnseen === 0 && f.p99DelayMs <= config.pollIntervalMs + 1000,
      `p99 change-to-status ${fixed(f.p99DelayMs, 0)} ms <= interval + 1 s = ${config.pollIntervalMs + 1000} ms` +
        (f.changesUnseen > 0 ? ` (${f.changesUnseen} changes never shown)` : ''),
    ),
  ];
}

/** The printed report: configuration, the designs side by side, the acceptance, and warnings. */
export function formatReport(input: {
  config:
    PhaseConfig | Omit<PhaseConfig, 'design' | 'kubeUrl' | 'kubeconfig' | 'paiflowUrl' | 'simulatorsPid'>;
  changeFraction: number;
  changes: number;
  nodeOptions: readonly string[];
  /** The controller ran from the .ts sources rather than compiled. */
  sources: boolean;
  sides: readonly SideResult[];
}): string {
  const config = input.config as PhaseConfig;
  const all = input.sides.map((side) => ({ side, f: figures(side, config) }));
  const row = (label: string, digits: number, pick: (f: Figures) => number | undefined): string[] => [
    label,
    ...all.map(({ f }) => fixed(pick(f), digits)),
  ];
  const rows: string[][] = [
    ['', ...all.map(({ side }) => side.design)],
    row('PAIFlow calls per cycle', 1, (f) => f.callsPerCycle),
    row('  batch (ListPipelineRunsStatus)', 1, (f) => f.batchCallsPerCycle),
    row('  detail (ListPipelineRunNodeStatus)', 1, (f) => f.detailCallsPerCycle),
    row('CPU % of one core', 2, (f) => f.cpuPercentOfOneCore),
    row('CPU µs per resource per cycle', 1, (f) => f.cpuUsPerResourcePerCycle),
    row('  GC pauses, % of one core', 2, (f) => f.gcPercentOfOneCore),
    row('simulators CPU % of one core', 1, (f) => f.simulatorsCpuPercent),
    row('RSS before starting (MiB)', 1, (f) => f.rssBeforeStartMiB),
    row('max RSS of process (MiB)', 1, (f) => f.maxRssMiB),
    row('peak RSS in window (MiB)', 1, (f) => f.peakRssInWindowMiB),
    row('live heap before starting (MiB)', 1, (f) => f.liveHeapBeforeMiB),
    row('live heap after window (MiB)', 1, (f) => f.liveHeapAfterMiB),
    row('live heap per resource (KiB)', 2, (f) => f.liveHeapKiBPerResource),
    row('changes shown in status', 0, (f) => f.changesShown),
    row('  never shown', 0, (f) => f.changesUnseen),
    row('change-to-status p50 (ms)', 0, (f) => f.p50DelayMs),
    row('change-to-status p99 (ms)', 0, (f) => f.p99DelayMs),
    row('change-to-status max (ms)', 0, (f) => f.maxDelayMs),
    row('status writes in window', 0, (f) => f.statusWrites),
    row('event writes in window', 0, (f) => f.eventWrites),
    row('Kubernetes requests in window', 0, (f) => f.kubeRequests),
    row('PAIFlow errors in window', 0, (f) => f.paiflowErrors),
  ];
  const warnings: string[] = [];
  for (const { side, f } of all) {
    if (f.paiflowErrors > 0)
      warnings.push(`${side.design}: PAIFlow answered ${f.paiflowErrors} calls with an error`);
    if (f.changesUnseen > 0) warnings.push(`${side.design}: ${f.changesUnseen} changes never reached status`);
  }
  const observer = all.find(({ side }) => side.design === 'observer');
  const lines = [
    'paiflow-controller benchmark: observer (batched polling) against the naive design',
    `  ${config.resources} resources (${Math.ceil(config.resources / 4)} runs, 4 resources a run), poll interval ` +
      `${config.pollIntervalMs / 1000} s, window ${config.durationMs / 1000} s after warm-up; ` +
      `${input.changes} steps finished during the window (${input.changeFraction} of the steps per interval)`,
    `  controller: ${config.workers} workers, PAIFlow qps ${config.paiflowQps}, burst ${config.paiflowBurst}, ` +
      `max in flight ${config.paiflowMaxConcurrent}; node options: ${input.nodeOptions.join(' ') || 'none'}; ` +
      (input.sources ? 'from the .ts sources' : 'compiled as the build compiles it'),
    `  node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} cores; 1-minute load ` +
      `average at the end of each window: ${all.map(({ side }) => fixed(side.phase.loadAverage, 2)).join(', ')}`,
    '',
    table(rows),
    '',
    ...all.map(({ side }) => `warm-up, ${side.design}: ${warmupLine(side.phase.warmup)}`),
    ...(observer === undefined ? [] : ['', 'acceptance (observer):', ...acceptance(observer.f, config)]),
    ...(warnings.length > 0 ? ['', ...warnings.map((w) => `WARNING: ${w}`)] : []),
    '',
  ];
  return lines.join('\n');
}
