import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  countsBetween,
  readCounts,
  UsageSampler,
  type Counts,
  type SimulatorUrls,
  type Usage,
} from './measurement.ts';

/** How the measured controller polls: batched (the observer, as shipped) or one detail call per resource and interval. */
export type Design = 'observer' | 'naive';

/** What the orchestrator hands a measured process (as one JSON argument). */
export interface PhaseConfig extends SimulatorUrls {
  design: Design;
  kubeconfig: string;
  simulatorsPid: number;
  resources: number;
  pollIntervalMs: number;
  durationMs: number;
  warmupTimeoutMs: number;
  workers: number;
  paiflowQps: number;
  paiflowBurst: number;
  paiflowMaxConcurrent: number;
  sampleIntervalMs: number;
}

/** One side under measurement, started by its phase script. */
export interface MeasuredSide {
  /**
   * Resolves once every resource has been polled once and the side is idle until its next polls.
   * The caller stops waiting when `signal` aborts (the warm-up timeout); loops should end then too.
   */
  warmedUp(signal: AbortSignal): Promise<void>;
  /** Side-specific cumulative counts (e.g. reconciles by outcome); the report shows the window's. */
  details(): Record<string, number>;
  stop(): Promise<void>;
}

export interface Span {
  counts: Counts;
  usage: Usage;
}

/** What a measured process sends back, once. */
export interface PhaseResult {
  kind: 'result';
  /** From starting the side (modules already loaded) to warm-up done: initial sync, the first poll of all. */
  warmup: Span;
  /** The measured steady state. */
  window: Span;
  /** `process.resourceUsage().maxRSS`, in bytes: the high-water mark of the whole process. */
  maxRssBytes: number;
  /**
   * Heap in use right after a full garbage collection, before starting the side (modules loaded)
   * and at the end of the window: what the side keeps, as opposed to RSS, which also holds garbage
   * V8 has not collected yet. Undefined without `--expose-gc`.
   */
  liveHeap: { beforeStartBytes: number; afterWindowBytes: number } | undefined;
  /** The machine's 1-minute load average at the end of the window (this benchmark's processes included). */
  loadAverage: number;
  /** The side's own counts over the window. */
  details: Record<string, number>;
}

export interface PhaseError {
  kind: 'error';
  message: string;
}

/** Sent by a measured process as its window starts (the orchestrator then has PAI changed). */
export interface WindowStart {
  kind: 'window';
}

/**
 * The body of a measured process (forked with IPC, config as argv[2]): starts the side, measures
 * warm-up, sends {@link WindowStart}, measures a window of `durationMs` in steady state, sends a
 * {@link PhaseResult}, and stops the side once the parent disconnects.
 */
export async function runPhase(
  startSide: (config: PhaseConfig) => MeasuredSide | Promise<MeasuredSide>,
): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as PhaseConfig;
  const sampler = new UsageSampler({
    intervalMs: config.sampleIntervalMs,
    simulatorsPid: config.simulatorsPid,
  });
  const send = (message: PhaseResult | PhaseError): void => {
    process.send?.(message);
  };
  try {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const liveHeapBefore = process.memoryUsage().heapUsed;
    const baseline = await readCounts(config);
    sampler.begin();
    const side = await startSide(config);
    try {
      const timeout = AbortSignal.timeout(config.warmupTimeoutMs);
      await Promise.race([side.warmedUp(timeout), rejectOnAbort(timeout)]);
      const warmupUsage = sampler.end();
      const warm = await readCounts(config);
      // Every resource was just polled, so polls come in rounds one interval apart (spreading by the
      // jitter): a window starting half an interval later holds whole rounds when its length is a
      // multiple of the interval, and calls per interval are not an edge effect.
      await sleep(config.pollIntervalMs / 2);
      const start = await readCounts(config);
      const detailsBefore = side.details();
      const windowStart: WindowStart = { kind: 'window' };
      process.send?.(windowStart);
      sampler.begin();
      await sleep(config.durationMs);
      const windowUsage = sampler.end();
      const detailsAfter = side.details();
      const end = await readCounts(config);
      const maxRssBytes = process.resourceUsage().maxRSS * 1024;
      gc?.();
      send({
        kind: 'result',
        warmup: { counts: countsBetween(baseline, warm), usage: warmupUsage },
        window: { counts: countsBetween(start, end), usage: windowUsage },
        maxRssBytes,
        liveHeap:
          gc === undefined
            ? undefined
            : { beforeStartBytes: liveHeapBefore, afterWindowBytes: process.memoryUsage().heapUsed },
        loadAverage: loadavg()[0] ?? 0,
        details: Object.fromEntries(
          Object.entries(detailsAfter).map(([key, n]) => [key, n - (detailsBefore[key] ?? 0)]),
        ),
      });
      // Changes made late in the window still have to reach status: keep running, unmeasured, until
      // the orchestrator has its timings and disconnects.
      if (process.connected) await new Promise((resolve) => process.once('disconnect', resolve));
    } finally {
      await side.stop();
    }
  } catch (error) {
    send({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  } finally {
    sampler.close();
    if (process.connected) process.disconnect();
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => {
      reject(new Error(`warm-up did not finish in time (${String(signal.reason)})`));
    });
  });
}
