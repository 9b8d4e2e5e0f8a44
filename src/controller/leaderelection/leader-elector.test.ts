import { FakeClock } from '../../clock/fake-clock.ts';
import {
  LeaseConflictError,
  type LeaseRecord,
  type LeaseStore,
  type StoredLease,
} from '../../kube/lease-store.ts';
import {
  LeaderElector,
  LeadershipLostError,
  type ElectionResult,
  type ElectorEvent,
} from './leader-elector.ts';

/**
 * An in-memory Lease with the API server's optimistic concurrency: create of an existing Lease and
 * update with a stale resourceVersion are conflicts. `hang` makes requests never answer.
 */
class MemoryLease implements LeaseStore {
  lease: StoredLease | undefined;
  hang = false;
  writes = 0;
  #version = 0;

  get(): Promise<StoredLease | undefined> {
    return this.#answer(() => this.lease);
  }

  create(record: LeaseRecord): Promise<StoredLease> {
    return this.#answer(() => {
      if (this.lease !== undefined) throw new LeaseConflictError('exists');
      return this.put(record);
    });
  }

  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    return this.#answer(() => {
      if (this.lease?.resourceVersion !== resourceVersion) throw new LeaseConflictError('stale');
      return this.put(record);
    });
  }

  /** Writes as another replica would. */
  put(record: LeaseRecord): StoredLease {
    this.writes += 1;
    this.lease = { record: { ...record }, resourceVersion: String(++this.#version) };
    return this.lease;
  }

  #answer<T>(fn: () => T): Promise<T> {
    if (this.hang) return new Promise<T>(() => undefined);
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

const LEASE = 15_000;
const RENEW = 10_000;
const RETRY = 2_000;

/** Lets promise callbacks run: the elector awaits the store between timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Moves the fake clock in 100 ms steps, letting the elector react at each. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 100) {
    clock.advance(Math.min(100, left));
    await settle();
  }
}

interface Candidate {
  elector: LeaderElector;
  events: ElectorEvent['type'][];
  leading: () => boolean;
  leaderSignal: () => AbortSignal | undefined;
  cancel: () => void;
  result: Promise<ElectionResult>;
}

function candidate(store: LeaseStore, clock: FakeClock, identity: string, random = () => 0): Candidate {
  const events: ElectorEvent['type'][] = [];
  const elector = new LeaderElector({
    store,
    identity,
    clock,
    leaseDurationMs: LEASE,
    renewDeadlineMs: RENEW,
    retryPeriodMs: RETRY,
    random,
    onEvent: (e) => events.push(e.type),
  });
  const cancel = new AbortController();
  let active: AbortSignal | undefined;
  const result = elector.run(cancel.signal, async (signal) => {
    active = signal;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  });
  return {
    elector,
    events,
    leading: () => active !== undefined && !active.aborted,
    leaderSignal: () => active,
    cancel: () => cancel.abort(),
    result,
  };
}

function heldBy(holder: string, at: number, transitions = 0): LeaseRecord {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: LEASE / 1000,
    acquireTimeMs: at,
    renewTimeMs: at,
    leaseTransitions: transitions,
  };
}

test('creates a missing Lease and leads; cancelled, it stops leading first, then releases the Lease', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  const a = candidate(store, clock, 'pod-a');
  await settle();
  expect(a.leading()).toBe(true);
  expect(store.lease?.record).toMatchObject({
    holderIdentity: 'pod-a',
    leaseDurationSeconds: 15,
    leaseTransitions: 0,
  });

  await advance(clock, 3 * RETRY);
  expect(store.lease?.record.renewTimeMs).toBeGreaterThan(1_000_000); // renewed

  a.cancel();
  await expect(a.result).resolves.toBe('released');
  expect(a.leaderSignal()?.aborted).toBe(true);
  expect(store.lease?.record).toMatchObject({
    holderIdentity: '',
    leaseDurationSeconds: 1,
    leaseTransitions: 0,
  });
  expect(a.events).toEqual(['acquired', 'released']);
});

test("another's Lease expires by this replica's clock, whatever the holder's timestamps say", async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  // The holder's clock is an hour ahead: by its timestamps the lease would last for another hour.
  store.put(heldBy('pod-old', clock.now() + 3_600_000, 4));
  const b = candidate(store, clock, 'pod-b');
  await settle();
  expect(b.leading()).toBe(false);
  expect(b.events).toEqual(['leaderObserved']);

  await advance(clock, LEASE - 100);
  expect(b.leading()).toBe(false);
  // Tries every retry period (no jitter here), so it takes over at the first try past the lease duration.
  await advance(clock, RETRY + 100);
  expect(b.leading()).toBe(true);
  expect(store.lease?.record).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 5 });
  b.cancel();
  await b.result;
});

test('a holder that keeps renewing is never displaced, even with timestamps far in the past', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  store.put(heldBy('pod-a', 0));
  const b = candidate(store, clock, 'pod-b');
  for (let i = 0; i < 20; i++) {
    await advance(clock, RETRY);
    // The holder's clock is far behind, but every renewal changes the record.
    store.put(heldBy('pod-a', i));
  }
  expect(b.leading()).toBe(false);
  b.cancel();
  await expect(b.result).resolves.toBe('cancelled');
});

test('renewals that never answer: leadership is given up within the renew deadline, leader work aborted', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  const a = candidate(store, clock, 'pod-a');
  await settle();
  expect(a.leading()).toBe(true);
  store.hang = true;
  const hungAt = clock.now();
  let lostAt: number | undefined;
  void a.result.then(() => (lostAt = clock.now()));
  await advance(clock, RETRY + RENEW + 1_000);
  await expect(a.result).resolves.toBe('lost');
  expect(a.leaderSignal()?.aborted).toBe(true);
  // The last successful renewal was at hungAt: the renew deadline counts from there.
  expect(lostAt! - hungAt).toBeLessThanOrEqual(RENEW);
  expect(a.leaderSignal()?.reason).toBeInstanceOf(LeadershipLostError);
  // One attempt times out after renewDeadline - retryPeriod; the deadline passes before another ends.
  expect(a.events).toEqual(['acquired', 'renewFailed', 'lost']);
});

test('a Lease taken over by someone else (as with kubectl): the old leader stops within the renew deadline', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  const a = candidate(store, clock, 'pod-a');
  await settle();
  store.put(heldBy('intruder', clock.now(), 7));
  const takenAt = clock.now();
  let lostAt: number | undefined;
  void a.result.then(() => (lostAt = clock.now()));
  await advance(clock, RETRY + RENEW + 1_000);
  await expect(a.result).resolves.toBe('lost');
  expect(a.leaderSignal()?.aborted).toBe(true);
  expect(store.lease?.record.holderIdentity).toBe('intruder'); // never overwritten while valid
  expect(lostAt! - takenAt).toBeLessThanOrEqual(RENEW);
});

test('two candidates racing for a released Lease: exactly one wins, the other loses the write (409) and waits', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  const a = candidate(store, clock, 'pod-a');
  const b = candidate(store, clock, 'pod-b');
  await settle();
  expect([a.leading(), b.leading()].filter(Boolean)).toHaveLength(1);
  await advance(clock, 5 * RETRY);
  expect([a.leading(), b.leading()].filter(Boolean)).toHaveLength(1);
  const [leader, follower] = a.leading() ? [a, b] : [b, a];

  // A graceful handover: the leader releases, the follower takes over within about one retry period.
  leader.cancel();
  await leader.result;
  await advance(clock, RETRY * (1 + 1.2) + 100);
  expect(follower.leading()).toBe(true);
  follower.cancel();
  await follower.result;
});

test('refuses durations client-go refuses', () => {
  const base = { store: new MemoryLease(), identity: 'x', clock: new FakeClock() };
  expect(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
    'expected leaseDuration > renewDeadline > retryPeriod > 0',
  );
  expect(() => new LeaderElector({ ...base, identity: '' })).toThrow('non-empty identity');
});

test('a renewal answered later than renewDeadline - retryPeriod counts as failed, even if it was written', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  const a = candidate(store, clock, 'pod-a');
  await settle();
  expect(a.leading()).toBe(true);
  // Every answer now comes 100 ms after the per-request budget (8 s): the writes land, unheard.
  const slow = (call: () => Promise<StoredLease | undefined>): Promise<StoredLease | undefined> =>
    new Promise((resolve, reject) => {
      clock.setTimer(
        () => {
          call().then(resolve, reject);
        },
        RENEW - RETRY + 100,
      );
    });
  const get = store.get.bind(store);
  store.get = () => slow(get);
  const lastRenewal = clock.now();
  let lostAt: number | undefined;
  void a.result.then(() => (lostAt = clock.now()));
  await advance(clock, RETRY + RENEW);
  await expect(a.result).resolves.toBe('lost');
  expect(lostAt! - lastRenewal).toBeLessThanOrEqual(RENEW);
  expect(a.events).toEqual(['acquired', 'renewFailed', 'lost']);
});

test('a renewal losing a write race (409, the record changed since read) does not keep leadership', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  const a = candidate(store, clock, 'pod-a');
  await settle();
  // Between each read and write, another writer bumps the resourceVersion: every update conflicts.
  const update = store.update.bind(store);
  store.update = (record, resourceVersion) => {
    store.put(store.lease!.record);
    return update(record, resourceVersion);
  };
  await advance(clock, RETRY + RENEW);
  await expect(a.result).resolves.toBe('lost');
  expect(a.events).toEqual(['acquired', 'lost']);
});
