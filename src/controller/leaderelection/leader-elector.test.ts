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

/** Moves the fake clock to `at` timer by timer, letting the elector react after each. */
async function advanceTo(clock: FakeClock, at: number): Promise<void> {
  for (let next = clock.nextTimerAt(); next !== undefined && next <= at; next = clock.nextTimerAt()) {
    clock.setTime(next);
    await settle();
  }
  clock.setTime(at);
  await settle();
}

/** `call` made `ms` later on the clock: an answer that takes that long to come (and is served then). */
function answerAfter<T>(clock: FakeClock, ms: number, call: () => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    clock.setTimer(() => {
      call().then(resolve, reject);
    }, ms);
  });
}

interface Candidate {
  elector: LeaderElector;
  events: ElectorEvent['type'][];
  leading: () => boolean;
  leaderSignal: () => AbortSignal | undefined;
  /** The clock's time when this candidate began to lead. */
  ledAt: () => number | undefined;
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
  let ledAt: number | undefined;
  const result = elector.run(cancel.signal, async (signal) => {
    active = signal;
    ledAt ??= clock.now();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  });
  return {
    elector,
    events,
    leading: () => active !== undefined && !active.aborted,
    leaderSignal: () => active,
    ledAt: () => ledAt,
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

  const seenAt = clock.now();
  await advanceTo(clock, seenAt + LEASE - 1);
  expect(b.leading()).toBe(false);
  // It tries again exactly when the lease runs out by its own observation.
  await advanceTo(clock, seenAt + LEASE);
  expect(b.ledAt()).toBe(seenAt + LEASE);
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

  // A graceful handover: the leader releases, the follower takes over at its next try, within a retry period.
  leader.cancel();
  await leader.result;
  const releasedAt = clock.now();
  await advanceTo(clock, releasedAt + RETRY);
  expect(follower.leading()).toBe(true);
  expect(follower.ledAt()! - releasedAt).toBeLessThanOrEqual(RETRY);
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
  const get = store.get.bind(store);
  store.get = () => answerAfter(clock, RENEW - RETRY + 100, get);
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

/** A deterministic stand-in for Math.random (Park-Miller), for varied jitter. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return state / 2_147_483_647;
  };
}

const JITTER = {
  longest: () => 0, // a full retry period between tries
  shortest: () => 0.999_999, // half of one
  seeded: seeded(42),
};

interface Takeover {
  /** When the dead holder's last renewal was written. */
  lastRenewal: number;
  /** When the candidate got its first answer holding that renewal: its observation. */
  seenAt: number;
  ledAt: number;
  /** When the candidate sent each Lease read (the start of each try) and each write, until it led. */
  tries: number[];
  writes: number[];
}

/**
 * pod-a holds the Lease and renews it every retry period, `phase` after pod-b's first try, ten times,
 * then dies; pod-b campaigns with `random`, each Lease request answering after `latencyMs`, pod-a's
 * timestamps `skewMs` off pod-b's clock. Runs until pod-b leads.
 */
async function holderDies(o: {
  phase: number;
  random: () => number;
  latencyMs: number;
  skewMs: number;
}): Promise<Takeover> {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  const renew = (at: number): StoredLease => store.put(heldBy('pod-a', at + o.skewMs, 3));
  renew(clock.now());
  const answers = new Map<string, number>();
  const tries: number[] = [];
  const writes: number[] = [];
  const get = store.get.bind(store);
  const update = store.update.bind(store);
  store.get = () => {
    tries.push(clock.now());
    return answerAfter(clock, o.latencyMs, get).then((lease) => {
      if (lease !== undefined && !answers.has(lease.resourceVersion))
        answers.set(lease.resourceVersion, clock.now());
      return lease;
    });
  };
  store.update = (record, resourceVersion) => {
    writes.push(clock.now());
    return answerAfter(clock, o.latencyMs, () => update(record, resourceVersion));
  };
  const b = candidate(store, clock, 'pod-b', o.random);
  await settle();
  let lastRenewal = clock.now();
  for (let k = 1, first = clock.now(); k <= 10; k++) {
    lastRenewal = first + o.phase + k * RETRY;
    await advanceTo(clock, lastRenewal);
    renew(lastRenewal);
  }
  const last = store.lease!.resourceVersion;
  await advanceTo(clock, lastRenewal + LEASE + RETRY + 3 * o.latencyMs);
  expect(b.leading()).toBe(true);
  expect(store.lease?.record).toMatchObject({ holderIdentity: 'pod-b', leaseTransitions: 4 });
  const ledAt = b.ledAt()!;
  b.cancel();
  await settle();
  await advanceTo(clock, clock.now() + 2 * o.latencyMs); // the release's read and write
  await expect(b.result).resolves.toBe('released');
  return {
    lastRenewal,
    seenAt: answers.get(last)!,
    ledAt,
    tries: tries.filter((at) => at <= ledAt),
    writes: writes.filter((at) => at <= ledAt),
  };
}

test('worst case: the last renewal lands just after a try; it is seen a retry period late, and the Lease taken at lease + retry after it', async () => {
  const t = await holderDies({ phase: 0, random: JITTER.longest, latencyMs: 0, skewMs: 0 });
  expect(t.seenAt - t.lastRenewal).toBe(RETRY);
  expect(t.ledAt).toBe(t.seenAt + LEASE);
  expect(t.ledAt - t.lastRenewal).toBe(LEASE + RETRY);
});

test.each([
  { phase: 1, jitter: 'longest', latencyMs: 0, skewMs: 3_600_000 },
  { phase: RETRY / 2, jitter: 'shortest', latencyMs: 0, skewMs: -3_600_000 },
  { phase: 41, jitter: 'longest', latencyMs: 40, skewMs: 0 },
  { phase: 123, jitter: 'seeded', latencyMs: 40, skewMs: 3_600_000 },
  { phase: 777, jitter: 'seeded', latencyMs: 0, skewMs: -3_600_000 },
] as const)(
  'a dead holder is replaced at its lease duration as observed, within lease + retry (+ requests) of its last renewal: $jitter jitter, renewals $phase ms after a try, requests $latencyMs ms, holder clock off by $skewMs ms',
  async ({ phase, jitter, latencyMs, skewMs }) => {
    const t = await holderDies({ phase, random: JITTER[jitter], latencyMs, skewMs });
    // Never written before its own observation has run out, whatever pod-a's timestamps say.
    expect(Math.min(...t.writes)).toBeGreaterThanOrEqual(t.seenAt + LEASE);
    // Tried at that very moment: one read and one write later it leads.
    expect(t.ledAt).toBeLessThanOrEqual(t.seenAt + LEASE + 2 * latencyMs);
    // Seen within a retry period (and an answer) of being written, so led within lease + retry of it.
    expect(t.seenAt).toBeLessThanOrEqual(t.lastRenewal + RETRY + latencyMs);
    expect(t.ledAt).toBeLessThanOrEqual(t.lastRenewal + LEASE + RETRY + 3 * latencyMs);
    // Tries begin at most a retry period apart, and but for the one at the expiry, at least half of one.
    const gaps = t.tries.slice(1).map((at, i) => at - t.tries[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(RETRY);
    expect(Math.min(...gaps.slice(0, -1))).toBeGreaterThanOrEqual(RETRY / 2);
  },
);

test('a candidate whose reads fail keeps trying every retry period or so, past the expiry too (no hot loop)', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLease();
  store.put(heldBy('pod-a', clock.now()));
  const b = candidate(store, clock, 'pod-b', seeded(7));
  await settle();
  const seenAt = clock.now();
  let reads = 0;
  const get = store.get.bind(store);
  store.get = () => {
    reads += 1;
    return Promise.reject(new Error('connection refused'));
  };
  const span = LEASE + 10 * RETRY;
  await advanceTo(clock, seenAt + span);
  expect(b.leading()).toBe(false);
  expect(reads).toBeGreaterThanOrEqual(span / RETRY);
  expect(reads).toBeLessThanOrEqual(span / (RETRY / 2) + 1); // + the try at the expiry
  store.get = get; // the API answers again: the Lease ran out long ago, taken at the next try
  await advanceTo(clock, clock.now() + RETRY);
  expect(b.leading()).toBe(true);
  b.cancel();
  await b.result;
});
