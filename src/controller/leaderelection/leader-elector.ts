import type { Clock } from '../../clock/clock.ts';
import { sleep, withTimeout } from '../../clock/waits.ts';
import {
  LeaseConflictError,
  type LeaseRecord,
  type LeaseStore,
  type StoredLease,
} from '../../kube/lease-store.ts';
import { leaseTimings, type LeaseTimings } from '../lease/lease-timings.ts';
import { ObservedLease } from '../lease/observed-lease.ts';

/** Options of a {@link LeaderElector}; the durations are client-go's defaults. */
export interface LeaderElectorOptions extends LeaseTimings {
  store: LeaseStore;
  /** This replica's name in the Lease (the pod name): unique among the candidates. */
  identity: string;
  clock: Clock;
  /** [0, 1), for the jitter of acquire attempts. @default Math.random */
  random?: () => number;
  /** Told of what happens, for logs, Events and metrics. Must not throw. */
  onEvent?: (event: ElectorEvent) => void;
}

export type ElectorEvent =
  | { type: 'acquired' }
  | { type: 'renewFailed'; error: unknown }
  /** Reading or writing the Lease failed (not a lost race) while campaigning. */
  | { type: 'acquireFailed'; error: unknown }
  | { type: 'lost'; reason: string }
  | { type: 'released' }
  /** Another replica is seen holding the Lease. */
  | { type: 'leaderObserved'; identity: string };

/** How {@link LeaderElector.run} ended. */
export type ElectionResult =
  /** Cancelled before this replica led. */
  | 'cancelled'
  /** Cancelled while leading: the leader's work stopped, then the Lease was released. */
  | 'released'
  /** Leadership lost (not renewed within the renew deadline): the leader's work was stopped. */
  | 'lost';

/** The reason of a leader's signal when leadership was lost (not cancelled): its work stops at once. */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
}

/**
 * Lease-based leader election with client-go's semantics (`tools/leaderelection`):
 *
 * - A Lease held by another replica counts as expired only when its record has not changed for
 *   `leaseDurationSeconds` as measured by *this* replica's clock from when it saw the change, never by
 *   the holder's timestamps, so clock skew between replicas cannot shorten a lease.
 * - Writes are optimistic (the resourceVersion read); losing a race (409) is a failed attempt.
 * - A candidate tries again a jittered retry period after the start of its last attempt, in
 *   [retryPeriod / 2, retryPeriod], but never later than the moment the Lease it saw expires by its
 *   own observation: a dead leader is replaced within leaseDuration + retryPeriod of its last renewal
 *   (plus request latency). client-go waits retryPeriod × (1 + 1.2 × random) after each attempt, so
 *   it may see the last renewal up to 2.2 retry periods late and try again up to 2.2 after the expiry.
 * - The leader renews every `retryPeriod`; each attempt gives up after `renewDeadline - retryPeriod`;
 *   when no renewal succeeds within `renewDeadline` of the last successful one it stops leading at
 *   once (aborts the leader's signal with a LeadershipLostError). client-go counts the deadline from
 *   the start of the failing attempt, one retry period later; counting from the last success keeps
 *   the old leader's work stopped before `leaseDuration` runs out for the others, whatever happens.
 * - Cancelled while leading, it first waits for the leader's work to end, then releases the Lease
 *   (empty holder, 1 s duration), so the next replica takes over within about one retry period.
 *
 * Requires leaseDuration > renewDeadline > retryPeriod > 0, as client-go does (else throws RangeError).
 */
export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectorOptions, 'onEvent'>> & Pick<LeaderElectorOptions, 'onEvent'>;
  readonly #observed = new ObservedLease();
  #leading = false;

  constructor(options: LeaderElectorOptions) {
    this.#o = { random: Math.random, ...options, ...leaseTimings(options) };
    if (options.identity === '') throw new RangeError('expected a non-empty identity');
  }

  /** True while this replica holds the Lease (between acquiring and losing or releasing it). */
  get isLeader(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns until this replica leads, then runs `lead` with a signal that aborts when leadership
   * is lost or `signal` aborts; resolves once `lead` has returned (and, when cancelled, the Lease is
   * released). `lead` must stop promptly when its signal aborts.
   */
  async run(
    signal: AbortSignal,
    lead: (leaderSignal: AbortSignal) => Promise<void>,
  ): Promise<ElectionResult> {
    for (;;) {
      const started = this.#o.clock.now();
      if (await this.#attempt(signal)) break;
      if (!(await this.#sleep(this.#nextAttemptIn(started), signal))) return 'cancelled';
    }
    this.#leading = true;
    this.#o.onEvent?.({ type: 'acquired' });
    const leadership = new AbortController();
    const onCancel = (): void => {
      leadership.abort(signal.reason);
    };
    signal.addEventListener('abort', onCancel, { once: true });
    const work = Promise.resolve()
      .then(() => lead(leadership.signal))
      .catch(() => undefined);
    const lost = await this.#renewUntilLost(leadership.signal);
    leadership.abort(new LeadershipLostError(lost ?? 'leadership lost'));
    signal.removeEventListener('abort', onCancel);
    await work;
    this.#leading = false;
    if (lost !== undefined) {
      this.#o.onEvent?.({ type: 'lost', reason: lost });
      return 'lost';
    }
    await this.#release();
    return 'released';
  }

  /**
   * A candidate's wait after an attempt that began at `started`. Worst case after a leader dies: its
   * last renewal is written at W; the attempt before began before W, so the next begins by W + retry
   * and sees it, by W + retry (+ one request) by this clock; that observation expires a lease duration
   * later, when the next attempt takes the Lease.
   */
  #nextAttemptIn(started: number): number {
    const now = this.#o.clock.now();
    const next = started + this.#o.retryPeriodMs * (1 - this.#o.random() / 2);
    const expiry = this.#othersLeaseExpiresAt();
    return Math.max(0, (expiry !== undefined && expiry > now ? Math.min(next, expiry) : next) - now);
  }

  /** Renews until `signal` aborts (undefined) or renewal fails for the renew deadline (the reason). */
  async #renewUntilLost(signal: AbortSignal): Promise<string | undefined> {
    const { retryPeriodMs, renewDeadlineMs } = this.#o;
    for (;;) {
      const deadline = this.#o.clock.now() + renewDeadlineMs;
      if (!(await this.#sleep(retryPeriodMs, signal))) return undefined;
      for (;;) {
        if (await this.#attempt(signal, deadline)) break;
        if (signal.aborted) return undefined;
        const left = deadline - this.#o.clock.now();
        if (left <= 0) return `not renewed within the renew deadline (${renewDeadlineMs} ms)`;
        if (!(await this.#sleep(Math.min(retryPeriodMs, left), signal))) return undefined;
        if (this.#o.clock.now() >= deadline)
          return `not renewed within the renew deadline (${renewDeadlineMs} ms)`;
      }
    }
  }

  /** One tryAcquireOrRenew, bounded in time; true when this replica holds the Lease afterwards. */
  async #attempt(signal: AbortSignal, deadline?: number): Promise<boolean> {
    if (signal.aborted) return false;
    const { retryPeriodMs, renewDeadlineMs } = this.#o;
    const budget = Math.min(
      renewDeadlineMs - retryPeriodMs,
      deadline === undefined ? Infinity : deadline - this.#o.clock.now(),
    );
    try {
      return await this.#withTimeout(this.#tryAcquireOrRenew(), budget);
    } catch (error) {
      this.#o.onEvent?.({ type: this.#leading ? 'renewFailed' : 'acquireFailed', error });
      return false;
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { store, identity, clock } = this.#o;
    const now = clock.now();
    const fresh = (previous: LeaseRecord | undefined): LeaseRecord => ({
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
      acquireTimeMs: previous?.holderIdentity === identity ? (previous.acquireTimeMs ?? now) : now,
      renewTimeMs: now,
      leaseTransitions:
        previous === undefined
          ? 0
          : previous.holderIdentity === identity
            ? previous.leaseTransitions
            : previous.leaseTransitions + 1,
    });
    const current = await store.get();
    if (current === undefined) return this.#wrote(await this.#orConflict(store.create(fresh(undefined))));
    this.#observe(current.record);
    const expiry = this.#othersLeaseExpiresAt();
    if (expiry !== undefined && expiry > clock.now()) return false;
    return this.#wrote(await this.#orConflict(store.update(fresh(current.record), current.resourceVersion)));
  }

  /**
   * When the Lease, as last read, runs out by this replica's clock (its duration after the record was
   * seen to change, whatever its timestamps say); undefined when no one else holds it.
   */
  #othersLeaseExpiresAt(): number | undefined {
    const holder = this.#observed.record?.holderIdentity;
    if (holder === undefined || holder === '' || holder === this.#o.identity) return undefined;
    return this.#observed.expiresAt();
  }

  /** Notes a record read from the API: its local observation time moves only when it changed. */
  #observe(record: LeaseRecord): void {
    const previous = this.#observed.record?.holderIdentity;
    if (!this.#observed.observe(record, this.#o.clock.now())) return;
    const { holderIdentity } = record;
    if (holderIdentity !== previous && holderIdentity !== '' && holderIdentity !== this.#o.identity) {
      this.#o.onEvent?.({ type: 'leaderObserved', identity: holderIdentity });
    }
  }

  #wrote(written: StoredLease | undefined): boolean {
    if (written === undefined) return false;
    this.#observe(written.record);
    return true;
  }

  async #orConflict(write: Promise<StoredLease>): Promise<StoredLease | undefined> {
    try {
      return await write;
    } catch (error) {
      if (error instanceof LeaseConflictError) return undefined; // lost the race: try again later
      throw error;
    }
  }

  /** client-go's release: keep the transitions, clear the holder, expire in a second. */
  async #release(): Promise<void> {
    const { store, identity, clock } = this.#o;
    try {
      const current = await this.#withTimeout(store.get(), this.#o.renewDeadlineMs - this.#o.retryPeriodMs);
      if (current?.record.holderIdentity !== identity) return;
      const now = clock.now();
      await this.#withTimeout(
        store.update(
          {
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTimeMs: now,
            renewTimeMs: now,
            leaseTransitions: current.record.leaseTransitions,
          },
          current.resourceVersion,
        ),
        this.#o.renewDeadlineMs - this.#o.retryPeriodMs,
      );
      this.#o.onEvent?.({ type: 'released' });
    } catch {
      // Not released: the others take over once the lease expires, as after a crash.
    }
  }

  #withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    return withTimeout(this.#o.clock, promise, ms, 'Lease request');
  }

  #sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    return sleep(this.#o.clock, ms, signal);
  }
}
