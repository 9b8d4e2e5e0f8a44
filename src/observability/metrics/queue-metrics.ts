import type { Counter, Gauge, Histogram } from 'prom-client';
import type { Clock } from '../../clock/clock.ts';
import type { QueueObserver } from '../../controller/queue/index.ts';

type QueueLabel = 'name' | 'controller';

export interface QueueMetricsOptions {
  /** The series' labels: `name` (the queue) and `controller`. */
  labels: { name: string; controller: string };
  clock: Clock;
  adds: Counter<QueueLabel>;
  depth: Gauge<QueueLabel>;
  queueDuration: Histogram<QueueLabel>;
  workDuration: Histogram<QueueLabel>;
  retries: Counter<QueueLabel>;
}

/** The items being processed, as client-go's `updateUnfinishedWork` sums them. */
export interface InFlight {
  /** Sum over the items being processed of how long each has been processing, in seconds. */
  unfinishedSeconds: number;
  /** How long the item processing longest has been at it, in seconds; 0 when none is. */
  longestSeconds: number;
}

/**
 * The workqueue_* metrics of one queue, fed by its QueueObserver callbacks (client-go's
 * `defaultQueueMetrics`): it timestamps adds and hand-outs on the clock, observes queue wait and
 * work time, and reports what is in flight at scrape time through `inFlight`.
 *
 * Items added but dropped by the queue's shutDown keep their add time here; the queue is not used
 * after shutdown, and the number of distinct keys bounds it anyway.
 */
export class QueueMetrics implements QueueObserver<string> {
  readonly #o: QueueMetricsOptions;
  /** When each pending item was added (the first add since its last hand-out). */
  readonly #addedAt = new Map<string, number>();
  /** When each item being processed was handed out. */
  readonly #startedAt = new Map<string, number>();

  constructor(options: QueueMetricsOptions) {
    this.#o = options;
  }

  added(item: string): void {
    this.#o.adds.inc(this.#o.labels);
    if (!this.#addedAt.has(item)) this.#addedAt.set(item, this.#o.clock.now());
  }

  handedOut(item: string): void {
    const now = this.#o.clock.now();
    this.#startedAt.set(item, now);
    const added = this.#addedAt.get(item);
    if (added === undefined) return;
    this.#addedAt.delete(item);
    this.#o.queueDuration.observe(this.#o.labels, seconds(now - added));
  }

  done(item: string): void {
    const started = this.#startedAt.get(item);
    if (started === undefined) return;
    this.#startedAt.delete(item);
    this.#o.workDuration.observe(this.#o.labels, seconds(this.#o.clock.now() - started));
  }

  retried(): void {
    this.#o.retries.inc(this.#o.labels);
  }

  depth(queued: number): void {
    this.#o.depth.set(this.#o.labels, queued);
  }

  /** What is being processed now, for the unfinished-work and longest-processor gauges. */
  inFlight(): InFlight {
    const now = this.#o.clock.now();
    let unfinishedSeconds = 0;
    let longestSeconds = 0;
    for (const started of this.#startedAt.values()) {
      const age = seconds(now - started);
      unfinishedSeconds += age;
      longestSeconds = Math.max(longestSeconds, age);
    }
    return { unfinishedSeconds, longestSeconds };
  }
}

/** Milliseconds to seconds; never negative, should the wall clock step back. */
function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}
