import type { Clock, Timer } from '../../clock/clock.ts';
import { sleep, withTimeout } from '../../clock/waits.ts';
import type { LeaseRing, RingLease } from '../../kube/lease-ring.ts';
import type { LeaseRecord, LeaseStore } from '../../kube/lease-store.ts';
import { leaseTimings, type LeaseTimings } from '../lease/lease-timings.ts';
import { ObservedLease } from '../lease/observed-lease.ts';
import { Ownership } from './ownership.ts';
import { VIEW_ANNOTATION, viewOf, type View } from './view.ts';

/**
 * Options of a {@link ShardRing}. The durations are the leader election's: a member is live while
 * its Lease changed within the lease duration; past the renew deadline without a renewal (counted from
 * the *sending* of the last successful one, so it ends before any other member can count this one
 * gone) a member owns nothing until it renews and the ring settles again; every retry period it renews
 * and reads the ring.
 */
export interface ShardRingOptions extends LeaseTimings {
  ring: LeaseRing;
  /** This replica's name in the ring (the pod name): unique among the members. */
  identity: string;
  clock: Clock;
  /** A Lease unchanged this long (a replica long gone) is deleted. @default 4 * leaseDurationMs */
  staleAfterMs?: number;
  /** Told of what happens, for logs and metrics. Must not throw. */
  onEvent?: (event: RingEvent) => void;
}

export type RingEvent =
  /** The own Lease was written for the first time. */
  | { type: 'joined' }
  | { type: 'renewFailed'; error: unknown }
  | { type: 'listFailed'; error: unknown }
  /** Not renewed within the renew deadline: this replica dropped every key. */
  | { type: 'fenced' }
  /** The live members changed: keys no longer won were dropped before this replica publishes `view`. */
  | { type: 'viewChanged'; view: View; previous: View }
  /** Every member applies `view`: keys newly won were taken up. */
  | { type: 'settled'; view: View }
  /** A member's Lease went unchanged for its lease duration, by this replica's clock. */
  | { type: 'memberExpired'; identity: string }
  | { type: 'staleLeaseDeleted'; name: string }
  | { type: 'staleLeaseDeleteFailed'; name: string; error: unknown }
  /** Cancelled: every key dropped, then the own Lease deleted (or, that failing, left to expire). */
  | { type: 'left'; deleted: boolean };

/**
 * Called with each new ownership, one call at a time. When keys are dropped, it must stop all work on
 * them (polls, status writes, Events) before it resolves: the ring publishes its new view only after
 * that, and other members take the keys up only once they see it. When keys are added it may start
 * them. It must not reject; if it does, the ring stops renewing (its Lease then expires) and run()
 * rejects with the error.
 */
export type OwnershipChange = (next: Ownership, previous: Ownership) => Promise<void>;

/** Views held at once before the ring gives up and owns nothing until it settles (membership flapping). */
const MAX_HELD_VIEWS = 8;

/**
 * A member of a shard ring: active-active replicas, each holding a member Lease, each deriving the
 * owner of every key by rendezvous hashing over the live members, with a handover protocol under which
 * a replica stops working on a key before another starts (docs/architecture.md, "Sharding"):
 *
 * - Every retry period it renews its own Lease, publishing in it (annotation `paiflow.dev/shard-view`)
 *   the hash of the view it applies, then lists the ring (a consistent read).
 * - A member is live while this replica has seen its Lease change within the lease duration (local
 *   observation time, as the leader elector judges a leader).
 * - When the live members differ from its view, it drops at once the keys it no longer wins (awaiting
 *   `onChange`), then publishes the new view; keys it newly wins wait until every live member
 *   publishes that same view, which each does only after dropping the keys it no longer wins.
 * - Without a successful renewal for the renew deadline it drops every key (fenced), before the others
 *   can count it gone.
 */
export class ShardRing {
  readonly #o: Required<Omit<ShardRingOptions, 'onEvent'>> & Pick<ShardRingOptions, 'onEvent'>;
  readonly #own: LeaseStore;
  readonly #observed = new Map<string, ObservedLease>();
  /** Stale Leases being deleted. */
  readonly #deleting = new Set<string>();
  /** The other members live at the last list, to tell when one expires. */
  #live = new Set<string>();
  #ownership: Ownership;
  /** The view renewals publish: the applied view once its drop has ended. */
  #published: View;
  /** Ownership changes started and not ended; no view is judged meanwhile. */
  #changing = 0;
  /** Ends the current pause early. */
  #wake: () => void = () => undefined;
  #ownVersion: string | undefined;
  #acquiredAt: number | undefined;
  #lastRenewSentAt: number | undefined;
  #fence: Timer | undefined;
  #onChange: OwnershipChange = () => Promise.resolve();
  /** Ownership changes run one at a time, in order (the fence timer races the loop). */
  #changes: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  constructor(options: ShardRingOptions) {
    const timings = leaseTimings(options);
    this.#o = { staleAfterMs: 4 * timings.leaseDurationMs, ...options, ...timings };
    const { leaseDurationMs } = timings;
    if (!(this.#o.staleAfterMs >= leaseDurationMs)) {
      throw new RangeError(`expected staleAfter >= leaseDuration, got ${this.#o.staleAfterMs} ms`);
    }
    if (options.identity === '') throw new RangeError('expected a non-empty identity');
    this.#own = options.ring.lease(options.identity);
    this.#ownership = Ownership.none(options.identity, viewOf([options.identity]));
    this.#published = this.#ownership.applied;
  }

  /** What this replica may work on now. Read it on every decision: it changes as the ring does. */
  get ownership(): Ownership {
    return this.#ownership;
  }

  /**
   * Takes part in the ring until `signal` aborts, calling `onChange` with every new ownership; then
   * drops every key and deletes the own Lease, so the others take over within about a retry period.
   * Resolves once left; rejects only with an error of `onChange`.
   */
  async run(signal: AbortSignal, onChange: OwnershipChange): Promise<void> {
    this.#onChange = onChange;
    while (!signal.aborted) {
      this.#throwIfFailed();
      await this.#tick(signal);
      this.#throwIfFailed();
      if (!(await this.#pause(signal))) break;
    }
    this.#fence?.cancel();
    await this.#change((current) => Ownership.none(this.#o.identity, current.applied));
    this.#throwIfFailed();
    this.#o.onEvent?.({ type: 'left', deleted: await this.#deleteOwn() });
  }

  /** After `onChange` failed, work may go on for keys the ring would hand over: stop renewing. */
  #throwIfFailed(): void {
    if (this.#failure !== undefined) {
      this.#fence?.cancel();
      throw this.#failure.error;
    }
  }

  /** Waits a retry period, or less when an ownership change ends (to publish it); false when cancelled. */
  #pause(signal: AbortSignal): Promise<boolean> {
    const woken = new AbortController();
    this.#wake = () => woken.abort();
    const both = AbortSignal.any([signal, woken.signal]);
    return sleep(this.#o.clock, this.#o.retryPeriodMs, both).then(() => !signal.aborted);
  }

  /**
   * One round: renew (publishing the view whose drop has ended), read the ring, then switch views or
   * settle. The drop of a switch runs while rounds go on renewing, however long it takes.
   */
  async #tick(signal: AbortSignal): Promise<void> {
    const written = await this.#renew(this.#published);
    let leases: RingLease[];
    try {
      leases = await this.#bounded(this.#o.ring.list(), 'listing the shard ring');
    } catch (error) {
      this.#o.onEvent?.({ type: 'listFailed', error });
      return;
    }
    if (signal.aborted) return;
    const now = this.#o.clock.now();
    const live = this.#observe(leases, now);
    if (this.#fenced(now) || this.#changing > 0) return;
    const applied = this.#ownership.applied;
    const view = viewOf([...live.keys(), this.#o.identity]);
    if (view.hash !== applied.hash) {
      void this.#change((current) => {
        const held = current.empty ? [] : [...current.held.filter((v) => v.hash !== view.hash), view];
        return new Ownership(this.#o.identity, view, held.length > MAX_HELD_VIEWS ? [] : held);
      });
      this.#o.onEvent?.({ type: 'viewChanged', view, previous: applied });
      return;
    }
    if (written?.hash !== view.hash || this.#ownership.settled) return;
    const agreed = [...live.values()].every((lease) => lease.annotations?.[VIEW_ANNOTATION] === view.hash);
    if (!agreed) return;
    void this.#change((current) =>
      current.applied.hash !== view.hash || this.#fenced(this.#o.clock.now())
        ? current
        : new Ownership(this.#o.identity, view, [view]),
    ).then((settled) => {
      if (settled) this.#o.onEvent?.({ type: 'settled', view });
    });
  }

  /** Writes the own Lease with `view`'s hash; `view` when written (it is then published). */
  async #renew(view: View): Promise<View | undefined> {
    const sentAt = this.#o.clock.now();
    this.#acquiredAt ??= sentAt;
    const record: LeaseRecord = {
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
      acquireTimeMs: this.#acquiredAt,
      renewTimeMs: sentAt,
      leaseTransitions: 0,
    };
    const annotations = { [VIEW_ANNOTATION]: view.hash };
    try {
      const written = await this.#bounded(
        (async () => {
          // The own Lease's version is known after the first write; read it only when it is not.
          this.#ownVersion ??= (await this.#own.get())?.resourceVersion ?? '';
          return this.#ownVersion === ''
            ? this.#own.create(record, annotations)
            : this.#own.update(record, this.#ownVersion, annotations);
        })(),
        'renewing the member Lease',
      );
      const first = this.#lastRenewSentAt === undefined;
      this.#ownVersion = written.resourceVersion;
      this.#lastRenewSentAt = sentAt;
      this.#armFence(sentAt);
      if (first) this.#o.onEvent?.({ type: 'joined' });
      return view;
    } catch (error) {
      // Written by someone else, deleted, or unknown: read it again next time.
      this.#ownVersion = undefined;
      this.#o.onEvent?.({ type: 'renewFailed', error });
      return undefined;
    }
  }

  /**
   * Notes what the list shows, by local observation time; returns the other live members' Leases by
   * identity, and deletes Leases of replicas long gone.
   */
  #observe(leases: readonly RingLease[], now: number): Map<string, RingLease> {
    const live = new Map<string, RingLease>();
    const listed = new Set<string>();
    for (const lease of leases) {
      listed.add(lease.name);
      const { holderIdentity } = lease.record;
      if (holderIdentity === this.#o.identity) continue;
      let observed = this.#observed.get(lease.name);
      if (observed === undefined) this.#observed.set(lease.name, (observed = new ObservedLease()));
      observed.observe(lease.record, now);
      if (observed.unchangedFor(now) >= this.#o.staleAfterMs && !this.#deleting.has(lease.name)) {
        // Not awaited: a slow delete must not hold up the renewals.
        void this.#deleteStale(lease);
      }
      // An empty holder is a released Lease: nobody's.
      if (holderIdentity === '') continue;
      if (!observed.expired(now)) live.set(holderIdentity, lease);
      else if (this.#live.has(holderIdentity))
        this.#o.onEvent?.({ type: 'memberExpired', identity: holderIdentity });
    }
    for (const name of this.#observed.keys()) if (!listed.has(name)) this.#observed.delete(name);
    this.#live = new Set(live.keys());
    return live;
  }

  async #deleteStale(lease: RingLease): Promise<void> {
    this.#deleting.add(lease.name);
    try {
      // Only the version judged stale: a holder that came back and renewed keeps its Lease.
      if (
        await this.#bounded(this.#o.ring.delete(lease.name, lease.resourceVersion), 'deleting a stale Lease')
      ) {
        this.#observed.delete(lease.name);
        this.#o.onEvent?.({ type: 'staleLeaseDeleted', name: lease.name });
      }
    } catch (error) {
      this.#o.onEvent?.({ type: 'staleLeaseDeleteFailed', name: lease.name, error });
    } finally {
      this.#deleting.delete(lease.name);
    }
  }

  /** True when the own Lease was not renewed within the renew deadline (or never was). */
  #fenced(now: number): boolean {
    return this.#lastRenewSentAt === undefined || now - this.#lastRenewSentAt >= this.#o.renewDeadlineMs;
  }

  /** Drops every key once the renew deadline passes without another successful renewal. */
  #armFence(sentAt: number): void {
    this.#fence?.cancel();
    this.#fence = this.#o.clock.setTimer(
      () => {
        if (!this.#fenced(this.#o.clock.now()) || this.#ownership.empty) return;
        void this.#change((current) => Ownership.none(this.#o.identity, current.applied));
        this.#o.onEvent?.({ type: 'fenced' });
      },
      sentAt + this.#o.renewDeadlineMs - this.#o.clock.now(),
    );
  }

  /**
   * Applies `next(current)` after the changes before it, awaiting `onChange` when it differs; true
   * when it did.
   */
  #change(next: (current: Ownership) => Ownership): Promise<boolean> {
    this.#changing += 1;
    const run = this.#changes.then(async () => {
      const previous = this.#ownership;
      const ownership = next(previous);
      if (ownership === previous) return false;
      this.#ownership = ownership;
      try {
        await this.#onChange(ownership, previous);
        // Dropped what this view takes away: renewals may publish it now.
        this.#published = ownership.applied;
      } catch (error) {
        this.#failure ??= { error };
      }
      return true;
    });
    const ended = (): void => {
      this.#changing -= 1;
      this.#wake();
    };
    this.#changes = run.then(ended, ended);
    return run;
  }

  /** Deletes the own Lease (its version last written), bounded; true when deleted. */
  async #deleteOwn(): Promise<boolean> {
    if (this.#ownVersion === undefined || this.#ownVersion === '') return false;
    try {
      return await this.#bounded(
        this.#o.ring.delete(this.#o.ring.leaseName(this.#o.identity), this.#ownVersion),
        'deleting the member Lease',
      );
    } catch {
      return false; // the others count this replica gone once its Lease expires, as after a crash
    }
  }

  /** A request to the API server, bounded like the elector's: renewDeadline - retryPeriod. */
  #bounded<T>(promise: Promise<T>, what: string): Promise<T> {
    return withTimeout(this.#o.clock, promise, this.#o.renewDeadlineMs - this.#o.retryPeriodMs, what);
  }
}
