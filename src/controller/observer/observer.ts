import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { RECONCILE_ANNOTATION, type PipelineRunNode } from '../../api/v1alpha1.ts';
import type { Clock, Timer } from '../../clock/clock.ts';
import { PaiflowError, type RunNodeStatus } from '../../paiflow/index.ts';
import { keyOf, splitKey } from '../controller.ts';
import { isUserCaused } from '../user-caused.ts';
import type { PaiflowGateway, PaiflowTarget } from '../paiflow-gateway/index.ts';
import { MinHeap } from '../queue/min-heap.ts';
import { ItemExponentialFailureRateLimiter, withJitter, type RateLimiter } from '../queue/index.ts';
import { isReconcileRequestPending, isTerminal, type PollOutcome } from '../status/index.ts';
import { BatchSizes } from './batch-sizes.ts';
import type { DetailPoller, DetailResult } from './detail-poll.ts';
import { batchedNodes, nodeFingerprint } from './node-fingerprint.ts';
import { sameObservation, type Observation } from './observation.ts';
import {
  fullRefreshDelayMs,
  jittered,
  PHYSICAL_FULL_REFRESH_INTERVALS,
  pollIntervalMs,
  type PollIntervals,
} from './poll-interval.ts';

/** Reports for metrics; implementations must be cheap and must not throw. */
export interface ObserverHooks {
  /** A ListPipelineRunsStatus call is about to be made with `nodes` entries. */
  batch?(nodes: number): void;
  /** A good observation of a resource (batch or detail); `ageMs` since its previous one (or since tracked). */
  observed?(ageMs: number): void;
  /** An endpoint refused a batch: its batch size went from `from` to `to` (0: per-node calls). */
  fallback?(endpoint: string, from: number, to: number): void;
}

export interface ObserverOptions extends PollIntervals {
  /** The informer's cache: a call reads the resource as it is when the call is made. */
  cache: { get(namespace: string, name: string): PipelineRunNode | undefined };
  /** Batch calls go here (detail calls through `detail`, which has its own gateway). */
  gateway: Pick<PaiflowGateway, 'listPipelineRunsStatus'>;
  detail: Pick<DetailPoller, 'poll'>;
  clock: Clock;
  log: Logger;
  /** Wait after a permanent failure (only a change of spec, Secret or permissions helps). */
  stalledRetryMs: number;
  /** Nodes per ListPipelineRunsStatus call; 0: no batching, one detail call per resource and interval. */
  batchSize: number;
  /** A resource gets a detail call every this many intervals on average even when nothing changed (see fullRefreshDelayMs). An integer >= 1. */
  fullRefreshIntervals: number;
  /** An unchanged observation is handed over again this often (status.lastSyncTime's refresh). */
  syncRefreshIntervalMs: number;
  /** PAIFlow calls in flight (or waiting for a token) per call queue (see #queueKey). @default 16 */
  maxInFlightPerQueue?: number;
  /** [0, 1), for jitter. @default Math.random */
  random?: () => number;
  /** Tells the controller to reconcile `key` (`urgent`: a user is waiting for it). Must only enqueue. */
  onObservation: (key: string, urgent: boolean) => void;
  hooks?: ObserverHooks;
}

/** Call priorities within a queue: a user's work, then a change a batch found, then routine polls. */
const URGENT = 2;
const CHANGED = 1;
const ROUTINE = 0;

/** A resource's nodes polled together, one batch call per round, every `intervalMs`. */
interface Round {
  readonly id: string;
  readonly target: PaiflowTarget;
  readonly intervalMs: number;
  nextAt: number;
  readonly members: Set<Entry>;
}

/** What the observer knows of one resource. */
interface Entry {
  readonly key: string;
  /** The object observed: another uid under the same key is a new object (re-created unwatched). */
  readonly uid: string | undefined;
  /** The spec generation observations are made for. */
  generation: number;
  /** The reconcile-requested-at value last seen. */
  request: string | undefined;
  /** The next call is user-caused. */
  urgent: boolean;
  /** A call is queued or in flight. */
  busy: boolean;
  /** The call queue its detail call waits in, until it starts (task id: the key). */
  queuedIn: string | undefined;
  /** The spec or request changed while busy: the answer is stale, poll again at once. */
  again: boolean;
  /** Detail mode: when the next detail call is due (undefined: not scheduled). Bumps `seq`. */
  dueAt: number | undefined;
  seq: number;
  /** Batch mode: the round it is polled in. */
  round: Round | undefined;
  intervalMs: number;
  runId: string;
  nodeId: string | undefined;
  /** The resolved endpoint and credentials; undefined while unknown or not batchable (share token). */
  target: PaiflowTarget | undefined;
  /** Batched nodes (tracked + unfinished children) by nodeId, with the fingerprint last seen. */
  known: Map<string, string> | undefined;
  /** When the next full refresh is due (0: none planned yet, see fullRefreshDelayMs). */
  fullRefreshAt: number;
  /** The last outcome was a permanent failure (Stalled): not "overdue", however old. */
  stalled: boolean;
  trackedAt: number;
  lastGoodAt: number | undefined;
  observation: Observation | undefined;
  handed: Observation | undefined;
  handedAt: number;
  removed: boolean;
}

type Due = { at: number; entry: Entry; seq: number } | { at: number; round: Round };

/** Figures for the scrape-time gauges. */
export interface ObserverStats {
  /** Seconds since the oldest last good observation of a polled, not stalled resource. */
  maxAgeSeconds: number;
  /** The same age in units of that resource's poll interval (the maximum over resources). */
  maxAgeIntervals: number;
  /** Resources whose poll is due (or queued for a call) but not yet made. */
  backlog: number;
}

/**
 * Owns when PAIFlow is asked about each resource and what it said; the reconciler makes no PAIFlow
 * call, it reads the latest observation here (docs/architecture.md, "The observer").
 *
 * - A resource's first poll, a spec change, a reconcile request, a change a batch saw, and every
 *   `fullRefreshIntervals` intervals: a detail call (DetailPoller).
 * - Otherwise its tracked node and known unfinished children are polled in rounds: every resource
 *   of one (endpoint, identity) with one interval is a member of one round, whose nodes go out in
 *   ListPipelineRunsStatus calls of at most the batch size, so a round makes full batches.
 * - A batch refused (not throttled) halves the endpoint's batch size, down to per-node detail
 *   calls (BatchSizes); a batch that fails otherwise sends its members to detail calls after their
 *   failure backoff, so each resource reports its own error.
 * - One call queue per (endpoint, credentials identity) orders calls: user-caused first, then
 *   changes, then routine; the gateway's token bucket (also prioritised) paces them. Per endpoint
 *   too, so that calls stuck on an endpoint that never answers hold up no call elsewhere (issue 17).
 * - An observation different from the last one handed over is handed over (`onObservation`); so is
 *   an unchanged one every `syncRefreshIntervalMs`.
 *
 * One timer for the whole schedule, none per resource. The constructor starts nothing;
 * `start()` and `stop()`.
 */
export class Observer {
  readonly #o: ObserverOptions;
  readonly #random: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #rounds = new Map<string, Round>();
  readonly #due = new MinHeap<Due>((a, b) => a.at < b.at);
  readonly #queues = new Map<string, PQueue>();
  readonly #sizes: BatchSizes;
  readonly #failures: RateLimiter<string>;
  readonly #stopping = new AbortController();
  #timer: { at: number; timer: Timer } | undefined;
  #running = false;

  constructor(options: ObserverOptions) {
    if (!Number.isInteger(options.fullRefreshIntervals) || options.fullRefreshIntervals < 1) {
      throw new Error(
        `expected fullRefreshIntervals to be an integer >= 1, got ${options.fullRefreshIntervals}`,
      );
    }
    this.#o = options;
    this.#random = options.random ?? Math.random;
    this.#sizes = new BatchSizes(options.batchSize);
    // The work queue's failure backoff, as before polling moved here: 1 s doubling to 5 min, +10%.
    this.#failures = withJitter(
      new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 1000, maxDelayMs: 300_000 }),
      0.1,
      this.#random,
    );
  }

  start(): void {
    this.#running = true;
    this.#arm();
  }

  /**
   * Stops planning calls and drops those queued; calls in flight get `graceMs` to finish (their
   * answers are dropped), then are cancelled. Resolves once none is left.
   */
  async stop(graceMs: number): Promise<void> {
    this.#running = false;
    this.#timer?.timer.cancel();
    this.#timer = undefined;
    for (const queue of this.#queues.values()) queue.clear();
    const cancel = this.#o.clock.setTimer(() => this.#stopping.abort(new Error('observer stopped')), graceMs);
    try {
      await Promise.all([...this.#queues.values()].map((queue) => queue.onIdle()));
    } finally {
      cancel.cancel();
      this.#stopping.abort(new Error('observer stopped'));
    }
  }

  /**
   * Tells the observer what the resource is now and returns the latest observation that answers it
   * (made for its generation and, when a reconcile request is pending, for that request), or
   * undefined: then a call is planned, and `onObservation` fires once it is answered. A new resource,
   * a spec edit and a new request are user-caused: they go ahead of routine polls.
   */
  sync(resource: PipelineRunNode): Observation | undefined {
    const key = keyOf(resource);
    const generation = resource.metadata.generation ?? 0;
    const request = resource.metadata.annotations?.[RECONCILE_ANNOTATION];
    const pending = isReconcileRequestPending(request, resource.status);
    const now = this.#o.clock.now();
    let entry = this.#entries.get(key);
    if (entry !== undefined && entry.uid !== resource.metadata.uid) {
      // Deleted and created again while the watch was down: nothing observed of the old one applies.
      this.forget(key);
      entry = undefined;
    }
    if (entry === undefined) {
      entry = this.#track(resource, now);
      // Work nobody waits for after a restart (a status for this spec exists) is routine.
      entry.urgent = isUserCaused(resource);
      this.#pollNow(entry);
    } else if (entry.generation !== generation) {
      this.#leaveRound(entry);
      Object.assign(entry, {
        generation,
        request,
        observation: undefined,
        nodeId: undefined,
        known: undefined,
        target: undefined,
        runId: resource.spec.pipelineRunId,
        intervalMs: pollIntervalMs(resource.spec, this.#o),
        urgent: true,
      });
      this.#pollNow(entry);
    } else if (pending && entry.request !== request) {
      entry.request = request;
      entry.urgent = true;
      this.#pollNow(entry);
    } else {
      entry.request = request;
    }
    const { observation } = entry;
    if (observation?.generation !== generation) return undefined;
    return pending && observation.request !== request ? undefined : observation;
  }

  /** Stops observing `key` (deleted, suspended, or finished and recorded). */
  forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.removed = true;
    this.#leaveRound(entry);
    this.#entries.delete(key);
    this.#failures.forget(key);
  }

  /** Resources observed now (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  stats(): ObserverStats {
    const now = this.#o.clock.now();
    let maxAgeMs = 0;
    let maxAgeIntervals = 0;
    let backlog = 0;
    for (const entry of this.#entries.values()) {
      const overdue =
        entry.busy ||
        (entry.dueAt !== undefined && entry.dueAt <= now) ||
        (entry.round !== undefined && entry.round.nextAt <= now);
      if (overdue) backlog += 1;
      if (entry.stalled || (entry.dueAt === undefined && entry.round === undefined && !entry.busy)) continue;
      const age = now - (entry.lastGoodAt ?? entry.trackedAt);
      maxAgeMs = Math.max(maxAgeMs, age);
      maxAgeIntervals = Math.max(maxAgeIntervals, age / entry.intervalMs);
    }
    return { maxAgeSeconds: maxAgeMs / 1000, maxAgeIntervals, backlog };
  }

  #track(resource: PipelineRunNode, now: number): Entry {
    const entry: Entry = {
      key: keyOf(resource),
      uid: resource.metadata.uid,
      generation: resource.metadata.generation ?? 0,
      request: resource.metadata.annotations?.[RECONCILE_ANNOTATION],
      urgent: false,
      busy: false,
      queuedIn: undefined,
      again: false,
      dueAt: undefined,
      seq: 0,
      round: undefined,
      intervalMs: pollIntervalMs(resource.spec, this.#o),
      runId: resource.spec.pipelineRunId,
      nodeId: undefined,
      target: undefined,
      known: undefined,
      fullRefreshAt: 0,
      stalled: false,
      trackedAt: now,
      lastGoodAt: undefined,
      observation: undefined,
      handed: undefined,
      handedAt: now,
      removed: false,
    };
    this.#entries.set(entry.key, entry);
    return entry;
  }

  // --- the schedule ----------------------------------------------------------------------------

  /** A detail call as soon as possible (after the one in flight, if any). */
  #pollNow(entry: Entry): void {
    if (entry.queuedIn !== undefined) {
      // Not started yet: it will ask about the resource as it is then, so it only has to go sooner.
      if (entry.urgent) this.#queueFor(entry.queuedIn).setPriority(entry.key, URGENT);
      return;
    }
    if (entry.busy) {
      entry.again = true;
      return;
    }
    this.#leaveRound(entry);
    this.#dueIn(entry, 0);
  }

  #dueIn(entry: Entry, delayMs: number): void {
    entry.seq += 1;
    entry.dueAt = this.#o.clock.now() + delayMs;
    this.#due.push({ at: entry.dueAt, entry, seq: entry.seq });
    this.#arm();
  }

  #joinRound(entry: Entry, target: PaiflowTarget): void {
    entry.dueAt = undefined;
    entry.seq += 1;
    const id = `${flowKey(target)}\n${entry.intervalMs}`;
    let round = this.#rounds.get(id);
    if (round === undefined) {
      round = {
        id,
        target,
        intervalMs: entry.intervalMs,
        nextAt: this.#o.clock.now() + jittered(entry.intervalMs, this.#o.minIntervalMs, this.#random),
        members: new Set(),
      };
      this.#rounds.set(id, round);
      this.#due.push({ at: round.nextAt, round });
      this.#arm();
    }
    round.members.add(entry);
    entry.round = round;
  }

  #leaveRound(entry: Entry): void {
    entry.round?.members.delete(entry);
    entry.round = undefined;
  }

  /** (Re)arms the one timer for the earliest due item. */
  #arm(): void {
    if (!this.#running) return;
    const next = this.#due.peek();
    if (next === undefined || (this.#timer !== undefined && this.#timer.at <= next.at)) return;
    this.#timer?.timer.cancel();
    const at = next.at;
    this.#timer = {
      at,
      timer: this.#o.clock.setTimer(() => {
        this.#timer = undefined;
        this.#tick();
      }, at - this.#o.clock.now()),
    };
  }

  #tick(): void {
    const now = this.#o.clock.now();
    for (let next = this.#due.peek(); next !== undefined && next.at <= now; next = this.#due.peek()) {
      this.#due.pop();
      if ('round' in next) this.#runRound(next.round, now);
      else if (!next.entry.removed && next.entry.seq === next.seq) {
        next.entry.dueAt = undefined;
        this.#dispatchDetail(next.entry);
      }
    }
    this.#arm();
  }

  // --- calls -----------------------------------------------------------------------------------

  /**
   * Where a resource's detail call queues: with its endpoint and credentials once a call resolved
   * them; before that (a new resource, a missing Secret) with its namespace and spec's endpoint or
   * region, so one namespace's unresolved calls, however slow, queue apart from everyone else's.
   */
  #queueKey(entry: Entry): string {
    if (entry.target !== undefined) return flowKey(entry.target);
    const [namespace, name] = splitKey(entry.key);
    const spec = this.#o.cache.get(namespace, name)?.spec;
    return `unresolved\n${namespace}\n${spec?.endpoint ?? spec?.region ?? ''}`;
  }

  #queueFor(key: string): PQueue {
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      // Idle queues are dropped when a new one comes: endpoints and identities come and go.
      for (const [other, q] of this.#queues) if (q.size === 0 && q.pending === 0) this.#queues.delete(other);
      queue = new PQueue({ concurrency: this.#o.maxInFlightPerQueue ?? 16 });
      this.#queues.set(key, queue);
    }
    return queue;
  }

  #submit(key: string, priority: number, task: () => Promise<void>, id?: string): void {
    this.#queueFor(key)
      .add(task, { priority, ...(id !== undefined && { id }) })
      .catch((error: unknown) => {
        this.#o.log.error({ err: error }, 'observer call failed unexpectedly');
      });
  }

  #dispatchDetail(entry: Entry, priority = entry.urgent ? URGENT : ROUTINE): void {
    entry.busy = true;
    const queue = this.#queueKey(entry);
    entry.queuedIn = queue;
    this.#submit(
      queue,
      priority,
      async () => {
        entry.queuedIn = undefined;
        // Read when the call starts: a user may have edited the resource while it waited.
        const urgent = entry.urgent;
        entry.urgent = false;
        const [namespace, name] = splitKey(entry.key);
        const resource = this.#o.cache.get(namespace, name);
        if (entry.removed || !this.#running || resource === undefined) {
          entry.busy = false;
          return;
        }
        const generation = entry.generation;
        const request = entry.request;
        let result: DetailResult;
        try {
          result = await this.#o.detail.poll(resource, entry.nodeId, {
            signal: this.#stopping.signal,
            urgent,
          });
        } finally {
          entry.busy = false;
        }
        // Forgotten or stopped meanwhile (the await above gave others their turn).
        if (this.#gone(entry)) return;
        if (entry.again || entry.generation !== generation) {
          entry.again = false;
          entry.urgent = true;
          this.#dueIn(entry, 0);
          return;
        }
        this.#applyDetail(entry, result, { generation, request, urgent });
      },
      entry.key,
    );
  }

  #gone(entry: Entry): boolean {
    return entry.removed || !this.#running;
  }

  #applyDetail(
    entry: Entry,
    result: DetailResult,
    made: { generation: number; request: string | undefined; urgent: boolean },
  ): void {
    const now = this.#o.clock.now();
    const { outcome } = result;
    // A failed call's target too: the next one queues with its endpoint, not with unresolved work.
    if (result.resolved !== undefined) entry.target = result.resolved.target;
    entry.stalled = outcome.kind === 'failed' && outcome.permanent;
    if (outcome.kind === 'failed') {
      const backoff = outcome.permanent
        ? this.#o.stalledRetryMs
        : Math.max(this.#failures.when(entry.key), result.retryAfterMs ?? 0);
      this.#dueIn(entry, backoff);
    } else {
      this.#failures.forget(entry.key);
      this.#good(entry, now);
      this.#scheduleAfterAnswer(entry, outcome, result, now);
    }
    if (result.shown) this.#record(entry, { outcome, ...made, at: now }, made.urgent);
  }

  #scheduleAfterAnswer(entry: Entry, outcome: PollOutcome, result: DetailResult, now: number): void {
    if (outcome.kind === 'runEnded') return; // never again: the reconciler records it and forgets it
    if (outcome.kind !== 'observed') {
      this.#dueIn(entry, jittered(entry.intervalMs, this.#o.minIntervalMs, this.#random));
      return;
    }
    entry.nodeId = outcome.nodeId;
    const tracked = outcome.nodes.find((n) => n.nodeId === outcome.nodeId);
    if (tracked !== undefined && isTerminal(tracked.status)) return; // never again: the reconciler forgets it
    const target = result.resolved?.target;
    const batchable =
      target !== undefined &&
      result.resolved?.tokenId === undefined &&
      tracked !== undefined &&
      this.#sizes.sizeFor(target.endpoint) > 0;
    const [namespace, name] = splitKey(entry.key);
    // Physical children are not nodes the batch call knows: only the (logical) tracked node is
    // batched, and only a detail call sees them change, so they are refreshed more often.
    const physical = this.#o.cache.get(namespace, name)?.spec.type === 'Physical';
    const refreshIntervals = physical
      ? Math.min(this.#o.fullRefreshIntervals, PHYSICAL_FULL_REFRESH_INTERVALS)
      : this.#o.fullRefreshIntervals;
    const first = entry.fullRefreshAt === 0;
    entry.fullRefreshAt = now + fullRefreshDelayMs(entry.intervalMs, refreshIntervals, this.#random, first);
    if (!batchable) {
      entry.target = target;
      entry.known = undefined;
      this.#dueIn(entry, jittered(entry.intervalMs, this.#o.minIntervalMs, this.#random));
      return;
    }
    entry.target = target;
    entry.known = batchedNodes(outcome.nodeId, physical ? [tracked] : outcome.nodes, Number.MAX_SAFE_INTEGER);
    this.#joinRound(entry, target);
  }

  /** Keeps `observation` and hands it over when it differs from the last one handed over. */
  #record(entry: Entry, observation: Observation, urgent: boolean): void {
    entry.observation = observation;
    if (sameObservation(observation, entry.handed)) return;
    this.#handOver(entry, observation, urgent);
  }

  #handOver(entry: Entry, observation: Observation, urgent: boolean): void {
    entry.handed = observation;
    entry.handedAt = observation.at;
    this.#o.onObservation(entry.key, urgent);
  }

  #good(entry: Entry, now: number): void {
    this.#o.hooks?.observed?.(now - (entry.lastGoodAt ?? entry.trackedAt));
    entry.lastGoodAt = now;
  }

  // --- rounds ----------------------------------------------------------------------------------

  #runRound(round: Round, now: number): void {
    if (round.members.size === 0) {
      this.#rounds.delete(round.id);
      return;
    }
    round.nextAt = Math.max(round.nextAt + round.intervalMs, now + this.#o.minIntervalMs / 2);
    this.#due.push({ at: round.nextAt, round });
    const size = this.#sizes.sizeFor(round.target.endpoint);
    const batched: Entry[] = [];
    for (const entry of round.members) {
      if (entry.busy) continue;
      if (size === 0 || now >= entry.fullRefreshAt) {
        this.#leaveRound(entry);
        this.#dispatchDetail(entry);
      } else batched.push(entry);
    }
    // Members of one run side by side: nodes they share (a run tracked whole and by its steps) go once.
    batched.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
    this.#sendBatches(round, batched, size);
  }

  /** Packs whole members into batches of at most `size` distinct nodes and sends them. */
  #sendBatches(round: Round, members: readonly Entry[], size: number): void {
    let batch: Entry[] = [];
    let nodes = new Set<string>();
    const flush = (): void => {
      if (batch.length > 0) this.#sendBatch(round, batch, [...nodes], size);
      batch = [];
      nodes = new Set();
    };
    for (const entry of members) {
      const own = [...(entry.known?.keys() ?? [])].slice(0, size).map((id) => `${entry.runId}/${id}`);
      const added = own.filter((n) => !nodes.has(n)).length;
      if (nodes.size + added > size) flush();
      for (const n of own) nodes.add(n);
      batch.push(entry);
      entry.busy = true;
    }
    flush();
  }

  #sendBatch(round: Round, members: Entry[], nodes: string[], size: number): void {
    const { target } = round;
    this.#submit(flowKey(target), ROUTINE, async () => {
      this.#o.hooks?.batch?.(nodes.length);
      let answer: Map<string, RunNodeStatus> | undefined;
      let failure: unknown;
      try {
        const result = await this.#o.gateway.listPipelineRunsStatus(
          target,
          {
            nodes: nodes.map((n) => {
              const slash = n.indexOf('/');
              return { pipelineRunId: n.slice(0, slash), nodeId: n.slice(slash + 1) };
            }),
          },
          { signal: this.#stopping.signal },
        );
        answer = new Map(result.nodes.map((n) => [`${n.pipelineRunId}/${n.nodeId}`, n]));
      } catch (error) {
        failure = error;
      }
      for (const entry of members) entry.busy = false;
      if (!this.#running) return;
      if (answer !== undefined) this.#applyBatch(members, answer);
      else this.#batchFailed(round, members, failure, size);
    });
  }

  #applyBatch(members: readonly Entry[], answer: ReadonlyMap<string, RunNodeStatus>): void {
    const now = this.#o.clock.now();
    for (const entry of members) {
      if (entry.removed || entry.round === undefined || entry.known === undefined) continue;
      if (entry.again) {
        entry.again = false;
        this.#pollNow(entry);
        continue;
      }
      let changed = false;
      let deleted = false;
      for (const [nodeId, fingerprint] of entry.known) {
        const node = answer.get(`${entry.runId}/${nodeId}`);
        if (node?.isDeleted === true) deleted = true;
        // Left out: PAI no longer reports it (deleted, or not visible): the detail call says which.
        else if (node === undefined || nodeFingerprint(node) !== fingerprint) changed = true;
      }
      if (deleted) {
        this.#leaveRound(entry);
        entry.stalled = true;
        this.#dueIn(entry, this.#o.stalledRetryMs);
        this.#record(
          entry,
          {
            outcome: {
              kind: 'failed',
              reason: 'NotFound',
              message: `PAIFlow reports pipeline run ${entry.runId} as deleted`,
              permanent: true,
            },
            generation: entry.generation,
            request: entry.request,
            at: now,
          },
          false,
        );
      } else if (changed) {
        this.#leaveRound(entry);
        this.#dispatchDetail(entry, CHANGED);
      } else {
        this.#good(entry, now);
        const { observation } = entry;
        if (observation !== undefined && now - entry.handedAt >= this.#o.syncRefreshIntervalMs) {
          // Unchanged, but status.lastSyncTime should say that PAI was asked (see computeStatus).
          this.#handOver(entry, { ...observation, at: now }, false);
        }
      }
    }
  }

  #batchFailed(round: Round, members: readonly Entry[], error: unknown, size: number): void {
    const { endpoint } = round.target;
    if (error instanceof PaiflowError && error.kind === 'throttled') {
      // The gateway paused the identity until the retry-after: the same batch waits for it.
      const live = members.filter((e) => !e.removed && e.round === round);
      for (const entry of live) entry.busy = true;
      if (live.length > 0) this.#sendBatches(round, live, size);
      return;
    }
    if (isRefusal(error)) {
      const change = this.#sizes.refused(endpoint, size, error.reason === 'NotFound');
      if (change !== undefined) {
        this.#o.log.info(
          { endpoint, from: change.from, to: change.to, code: error.code },
          change.to === 0
            ? 'PAIFlow refused batched status calls: polling each resource with its own call'
            : 'PAIFlow refused a batched status call: batching fewer nodes per call',
        );
        this.#o.hooks?.fallback?.(endpoint, change.from, change.to);
      }
      const live = members.filter((e) => !e.removed && e.round === round);
      const smaller = this.#sizes.sizeFor(endpoint);
      if (smaller === 0) {
        for (const entry of live) {
          this.#leaveRound(entry);
          this.#dispatchDetail(entry);
        }
      } else if (live.length > 0) this.#sendBatches(round, live, smaller);
      return;
    }
    // Anything else says nothing certain about one resource: each asks on its own, after its backoff.
    for (const entry of members) {
      if (entry.removed || entry.round !== round) continue;
      this.#leaveRound(entry);
      this.#dueIn(entry, this.#failures.when(entry.key));
    }
  }
}

/**
 * A batch call the endpoint will not take: NotFound (the action itself is unknown there, e.g. 404
 * InvalidAction.NotFound) or InvalidParameter (too many entries), as opposed to a failure.
 */
function isRefusal(error: unknown): error is PaiflowError {
  return (
    error instanceof PaiflowError &&
    error.kind === 'permanent' &&
    (error.reason === 'InvalidParameter' || error.reason === 'NotFound')
  );
}

/** One credentials identity at one endpoint: a round's and a call queue's key. */
function flowKey(target: PaiflowTarget): string {
  return `${target.endpoint}\n${target.credentials.identity}`;
}
