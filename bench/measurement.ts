import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

/**
 * What a phase of the benchmark measures: request counts read from the simulators' admin APIs
 * (the simulators run in another process, so reading them costs the measured side one small HTTP
 * exchange at each end of a window), and the measured process's own CPU time and memory.
 */

/** Where the simulators listen. */
export interface SimulatorUrls {
  kubeUrl: string;
  paiflowUrl: string;
}

/** Requests the simulators served (cumulative, or a difference of two readings). */
export interface Counts {
  /** ListPipelineRunsStatus calls PAIFlow received (batches). */
  batchCalls: number;
  /** ListPipelineRunNodeStatus calls PAIFlow received (detail calls). */
  detailCalls: number;
  /** Every PAIFlow call (GetPipelineRun too). */
  paiflowCalls: number;
  /** PAIFlow answers other than OK (throttling, faults, errors), over all operations. */
  pollErrors: number;
  /** Writes (patch, update) of the PipelineRunNode status subresource. */
  statusWrites: number;
  /** Events created or updated, core and events.k8s.io. */
  eventWrites: number;
  /** Every Kubernetes API request (a watch counts once, when it opens). */
  kubeRequests: number;
}

interface KubeCounter {
  verb: string;
  resource: string;
  subresource: string;
  count: number;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch']);

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

export async function readCounts(urls: SimulatorUrls): Promise<Counts> {
  const [paiflow, kube] = (await Promise.all([
    getJson(`${urls.paiflowUrl}/_sim/counts`),
    getJson(`${urls.kubeUrl}/_sim/counters`),
  ])) as [
    { byOperation: Record<string, number>; byOutcome: Record<string, number> },
    { total: number; counters: KubeCounter[] },
  ];
  const sum = (keep: (c: KubeCounter) => boolean): number =>
    kube.counters.filter(keep).reduce((total, c) => total + c.count, 0);
  return {
    batchCalls: paiflow.byOperation.ListPipelineRunsStatus ?? 0,
    detailCalls: paiflow.byOperation.ListPipelineRunNodeStatus ?? 0,
    paiflowCalls: Object.values(paiflow.byOperation).reduce((total, n) => total + n, 0),
    pollErrors: Object.entries(paiflow.byOutcome)
      .filter(([outcome]) => outcome !== 'OK')
      .reduce((total, [, n]) => total + n, 0),
    statusWrites: sum(
      (c) => c.resource === 'pipelinerunnodes' && c.subresource === 'status' && WRITE_VERBS.has(c.verb),
    ),
    eventWrites: sum((c) => c.resource === 'events' && WRITE_VERBS.has(c.verb)),
    kubeRequests: kube.total,
  };
}

export function countsBetween(before: Counts, after: Counts): Counts {
  return {
    batchCalls: after.batchCalls - before.batchCalls,
    detailCalls: after.detailCalls - before.detailCalls,
    paiflowCalls: after.paiflowCalls - before.paiflowCalls,
    pollErrors: after.pollErrors - before.pollErrors,
    statusWrites: after.statusWrites - before.statusWrites,
    eventWrites: after.eventWrites - before.eventWrites,
    kubeRequests: after.kubeRequests - before.kubeRequests,
  };
}

// USER_HZ, the unit of /proc/<pid>/stat times: 100 on every Linux architecture Node supports.
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user plus system) another process has used so far, from /proc/<pid>/stat: the measured
 * process reads the simulators' with it, to show whether they kept up. Undefined off Linux.
 */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
}

/** This process's use of the machine over a span. */
export interface Usage {
  wallMs: number;
  /** User plus system CPU time of this process (all its threads: GC, libuv pool). */
  cpuMs: number;
  /** Time the main thread spent in garbage-collection pauses (part of `cpuMs`). */
  gcPauseMs: number;
  rssStartBytes: number;
  /** The highest `process.memoryUsage.rss()` sampled during the span. */
  rssPeakBytes: number;
  /** CPU time of the simulators' process over the span; undefined when it cannot be read. */
  simulatorsCpuMs: number | undefined;
}

/**
 * Samples RSS on an interval and reads CPU time at both ends of a span. `begin()` starts a span
 * (and the sampling, the first time); `end()` closes it; `close()` stops sampling.
 */
export class UsageSampler {
  readonly #intervalMs: number;
  readonly #simulatorsPid: number;
  #simulatorsStartCpu: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #startWall = 0;
  #startCpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  #rssStart = 0;
  #rssPeak = 0;
  #gcPauseMs = 0;
  readonly #gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.#gcPauseMs += entry.duration;
  });

  constructor(options: { intervalMs: number; simulatorsPid: number }) {
    this.#intervalMs = options.intervalMs;
    this.#simulatorsPid = options.simulatorsPid;
  }

  begin(): void {
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => {
        this.#sample();
      }, this.#intervalMs);
      this.#gcObserver.observe({ entryTypes: ['gc'] });
    }
    this.#gcPauseMs = 0;
    this.#rssStart = process.memoryUsage.rss();
    this.#rssPeak = this.#rssStart;
    this.#simulatorsStartCpu = processCpuMs(this.#simulatorsPid);
    this.#startWall = performance.now();
    this.#startCpu = process.cpuUsage();
  }

  end(): Usage {
    const cpu = process.cpuUsage(this.#startCpu);
    const wallMs = performance.now() - this.#startWall;
    const simulatorsCpu = processCpuMs(this.#simulatorsPid);
    // GC entries are delivered asynchronously: the last few milliseconds' may count in the next span.
    const gcPauseMs = this.#gcPauseMs;
    this.#sample();
    return {
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      gcPauseMs,
      rssStartBytes: this.#rssStart,
      rssPeakBytes: this.#rssPeak,
      simulatorsCpuMs:
        simulatorsCpu === undefined || this.#simulatorsStartCpu === undefined
          ? undefined
          : simulatorsCpu - this.#simulatorsStartCpu,
    };
  }

  close(): void {
    this.#gcObserver.disconnect();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sample(): void {
    this.#rssPeak = Math.max(this.#rssPeak, process.memoryUsage.rss());
  }
}
