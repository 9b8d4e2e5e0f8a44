import type { Clock } from '../../clock/clock.ts';
import { FakeClock } from '../../clock/fake-clock.ts';
import { MemoryLeaseRing } from './memory-lease-ring.test-helper.ts';
import { RingCluster } from './ring-cluster.test-helper.ts';
import { ShardRing } from './shard-ring.ts';
import { VIEW_ANNOTATION } from './view.ts';

const LEASE = 15_000;
const RENEW = 10_000;
const RETRY = 2_000;
/** How long a member takes to stop work on a dropped key (an in-flight status write, say). */
const DRAIN = 700;
const ABC = ['pod-a', 'pod-b', 'pod-c'];
const KEYS = Array.from({ length: 600 }, (_, i) => `flow-${i.toString(36)}-${(i * 7919) % 10007}`);

/** A RingCluster on a fake clock over an in-memory ring, moved in 100 ms steps. */
class Cluster extends RingCluster {
  readonly clock: FakeClock;
  readonly store: MemoryLeaseRing;

  constructor(drainMs = DRAIN) {
    const clock = new FakeClock({ now: 1_700_000_000_000 });
    const store = new MemoryLeaseRing();
    super({
      clock,
      ring: () => store.client(),
      leaseDurationMs: LEASE,
      renewDeadlineMs: RENEW,
      retryPeriodMs: RETRY,
      drainMs,
      keys: KEYS,
    });
    this.clock = clock;
    this.store = store;
  }

  /** Moves the clock in 100 ms steps until `condition` holds; the time it took. Fails past `limitMs`. */
  async until(condition: () => boolean, limitMs: number): Promise<number> {
    const from = this.clock.now();
    while (!condition()) {
      if (this.clock.now() - from > limitMs) throw new Error(`not reached within ${limitMs} ms`);
      await this.advance(100);
    }
    return this.clock.now() - from;
  }

  async advance(ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= 100) {
      this.clock.advance(Math.min(100, left));
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Starts members, and waits until they have settled and taken their keys up. */
  async startSettled(identities: readonly string[] = ABC): Promise<void> {
    for (const id of identities) this.start(id);
    await this.until(() => this.settledOn(identities), 3 * RETRY);
    await this.advance(DRAIN);
  }

  /** Stops every member, moving the clock while they drain. */
  async stop(): Promise<void> {
    let stopped = false;
    const stopping = this.stopAll().then(() => (stopped = true));
    await this.until(() => stopped, 10 * LEASE);
    await stopping;
  }
}

test('three members settle on one view within two retry periods: every key has exactly one owner, 200 +- 25 % each', async () => {
  const cluster = new Cluster();
  for (const id of ['pod-a', 'pod-b', 'pod-c']) cluster.start(id);
  const took = await cluster.until(() => cluster.settledOn(ABC), 2 * RETRY + DRAIN);
  await cluster.advance(DRAIN);
  const owners = cluster.owners();
  expect(owners.size).toBe(KEYS.length);
  for (const count of cluster.counts().values()) expect(Math.abs(count - 200)).toBeLessThanOrEqual(50);
  expect(cluster.violations).toEqual([]);
  // Each Lease carries the hash of the view its holder applies.
  const hashes = new Set([...cluster.store.leases.values()].map((l) => l.annotations?.[VIEW_ANNOTATION]));
  expect(hashes.size).toBe(1);
  console.log(
    `ring: 3 members settled in ${took} ms; keys per member ${[...cluster.counts().values()].join(', ')}`,
  );
  await cluster.stop();
});

test('a fourth member takes up the keys it wins only after their owners stopped work on them; no other key moves', async () => {
  const cluster = new Cluster();
  await cluster.startSettled();
  const before = cluster.owners();
  const joinedAt = cluster.clock.now();
  cluster.start('pod-d');
  const took = await cluster.until(
    () => cluster.settledOn(['pod-a', 'pod-b', 'pod-c', 'pod-d']),
    3 * RETRY + DRAIN,
  );
  await cluster.advance(DRAIN);
  const after = cluster.owners();
  expect(after.size).toBe(KEYS.length);
  const moved = KEYS.filter((key) => before.get(key) !== after.get(key));
  for (const key of moved) expect(after.get(key)).toBe('pod-d');
  expect(moved.length / KEYS.length).toBeLessThanOrEqual(0.35);
  // Keys that stay were never interrupted; moved keys went old owner -> dropped -> pod-d, in order.
  for (const key of KEYS) {
    const since = cluster.history
      .get(key)!
      .filter(([at]) => at >= joinedAt)
      .map(([, owner]) => owner);
    expect(since).toEqual(moved.includes(key) ? ['', 'pod-d'] : []);
  }
  expect(cluster.violations).toEqual([]);
  console.log(
    `ring: a 4th member moved ${moved.length} of 600 keys (${((100 * moved.length) / 600).toFixed(1)} %); settled in ${took} ms`,
  );
  await cluster.stop();
});

test('a drop that takes longer than the renew deadline: the member keeps renewing (nobody counts it gone), and the newcomer waits for it', async () => {
  const slow = 3 * RENEW;
  const cluster = new Cluster(slow);
  for (const id of ABC) cluster.start(id);
  await cluster.until(() => cluster.settledOn(ABC), 3 * RETRY);
  await cluster.advance(slow);
  const joinedAt = cluster.clock.now();
  cluster.start('pod-d');
  const took = await cluster.until(() => cluster.settledOn([...ABC, 'pod-d']), slow + 3 * RETRY);
  expect(took).toBeGreaterThanOrEqual(slow);
  await cluster.advance(slow);
  expect(cluster.owners().size).toBe(KEYS.length);
  const events = [...cluster.members.values()].flatMap((m) => m.events.map((e) => e.type));
  expect(events).not.toContain('fenced');
  expect(events).not.toContain('memberExpired');
  expect(cluster.violations).toEqual([]);
  expect(cluster.clock.now() - joinedAt).toBeGreaterThan(LEASE);
  await cluster.stop();
});

test('a partitioned member drops its keys within the renew deadline; the others take them over once its Lease expires by their clocks; it rejoins when healed', async () => {
  const cluster = new Cluster();
  await cluster.startSettled();
  const c = cluster.member('pod-c');
  const keysOfC = [...c.active];
  const cutAt = cluster.clock.now();
  cluster.member('pod-c').link = 'hang';

  const fenced = await cluster.until(() => c.active.size === 0, RENEW + DRAIN);
  expect(c.events.map((e) => e.type)).toContain('fenced');
  await cluster.until(() => keysOfC.every((key) => cluster.owners().has(key)), LEASE + 4 * RETRY);
  const takeover = cluster.clock.now() - cutAt;
  // Not before the Lease expired by the others' observation: its last change was seen at most a
  // retry period before the cut.
  expect(cluster.clock.now() - cutAt).toBeGreaterThanOrEqual(LEASE - RETRY);
  expect(cluster.violations).toEqual([]);

  cluster.member('pod-c').link = 'up';
  await cluster.until(() => cluster.settledOn(ABC), LEASE + 3 * RETRY);
  await cluster.advance(DRAIN);
  expect(new Set(keysOfC)).toEqual(c.active); // rendezvous: the same keys come back
  expect(cluster.violations).toEqual([]);
  console.log(
    `ring: partitioned member fenced ${fenced} ms after the cut; its keys taken over after ${takeover} ms`,
  );
  await cluster.stop();
});

test('skewed clocks: members an hour ahead and behind are judged by local observation only', async () => {
  const cluster = new Cluster();
  const skewed = (offset: number): Clock => ({
    now: () => cluster.clock.now() + offset,
    setTimer: (callback, delay) => cluster.clock.setTimer(callback, delay),
  });
  cluster.start('pod-a');
  cluster.start('pod-b', skewed(3_600_000));
  cluster.start('pod-c', skewed(-3_600_000));
  await cluster.until(() => cluster.settledOn(ABC), 3 * RETRY);
  await cluster.advance(DRAIN);
  const renewTimes = [...cluster.store.leases.values()].map(
    (l) => l.record.renewTimeMs! - cluster.clock.now(),
  );
  expect(Math.max(...renewTimes)).toBeGreaterThan(3_500_000);
  expect(Math.min(...renewTimes)).toBeLessThan(-3_500_000);

  // Alive for a minute with timestamps an hour off: nobody is counted gone.
  await cluster.advance(60_000);
  expect(cluster.settledOn(ABC)).toBe(true);

  const keysOfB = [...cluster.member('pod-b').active];
  const killedAt = cluster.clock.now();
  cluster.kill('pod-b');
  await cluster.until(() => keysOfB.every((key) => cluster.owners().has(key)), LEASE + 4 * RETRY);
  const takeover = cluster.clock.now() - killedAt;
  expect(takeover).toBeGreaterThanOrEqual(LEASE - RETRY);
  expect(cluster.violations).toEqual([]);
  console.log(
    `ring: killed member's keys taken over after ${takeover} ms (lease ${LEASE} ms, retry ${RETRY} ms)`,
  );
  await cluster.stop();
});

test('a member that leaves drops its keys, deletes its Lease, and the others take over within two retry periods', async () => {
  const cluster = new Cluster();
  await cluster.startSettled();
  const a = cluster.member('pod-a');
  const keysOfA = [...a.active];
  a.stop.abort();
  const took = await cluster.until(
    () =>
      keysOfA.every(
        (key) => cluster.owners().get(key) !== undefined && cluster.owners().get(key) !== 'pod-a',
      ),
    2 * RETRY + 2 * DRAIN,
  );
  await a.done;
  expect(a.events.at(-1)).toEqual({ type: 'left', deleted: true });
  expect(cluster.store.leases.has('ring-pod-a')).toBe(false);
  expect(cluster.violations).toEqual([]);
  console.log(`ring: graceful leave handed over in ${took} ms`);
  await cluster.stop();
});

test('membership flapping: a member whose link keeps dropping never works on a key another works on; once stable, all settle', async () => {
  const cluster = new Cluster();
  await cluster.startSettled();
  // Outages around the renew deadline and the lease duration, the worst for agreement.
  for (const [up, down] of [
    [3_000, 11_000],
    [1_000, 16_000],
    [2_500, 9_000],
    [4_000, 15_500],
    [500, 14_000],
    [6_000, 3_000],
  ] as const) {
    cluster.member('pod-c').link = 'up';
    await cluster.advance(up);
    cluster.member('pod-c').link = 'hang';
    await cluster.advance(down);
  }
  cluster.member('pod-c').link = 'up';
  await cluster.until(() => cluster.settledOn(ABC), LEASE + 4 * RETRY);
  await cluster.advance(DRAIN);
  expect(cluster.owners().size).toBe(KEYS.length);
  expect(cluster.violations).toEqual([]);
  await cluster.stop();
});

test('a Lease left by a replica long gone: members wait for it to expire by their clocks, settle, and delete it later', async () => {
  const cluster = new Cluster();
  cluster.store.put(
    'ring-pod-old',
    {
      holderIdentity: 'pod-old',
      leaseDurationSeconds: 15,
      renewTimeMs: 0,
      acquireTimeMs: 0,
      leaseTransitions: 0,
    },
    { [VIEW_ANNOTATION]: 'somethingelse' },
  );
  cluster.start('pod-a');
  cluster.start('pod-b');
  const took = await cluster.until(() => cluster.settledOn(['pod-a', 'pod-b']), LEASE + 3 * RETRY);
  // First seen now, so live for a lease duration: agreement waits for it to expire.
  expect(took).toBeGreaterThanOrEqual(LEASE - RETRY);
  await cluster.until(() => !cluster.store.leases.has('ring-pod-old'), 4 * LEASE);
  expect(cluster.member('pod-a').events.concat(cluster.member('pod-b').events)).toContainEqual({
    type: 'staleLeaseDeleted',
    name: 'ring-pod-old',
  });
  await cluster.stop();
});

test('an ownership change that fails stops the ring: it renews no more and run() rejects', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLeaseRing();
  const ring = new ShardRing({ ring: store.client(), identity: 'pod-a', clock });
  const done = ring.run(new AbortController().signal, () => Promise.reject(new Error('drain failed')));
  const outcome = done.then(
    () => 'resolved',
    (error: unknown) => (error as Error).message,
  );
  for (let i = 0; i < 20; i++) {
    clock.advance(100);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await expect(outcome).resolves.toBe('drain failed');
  const version = store.leases.get('ring-pod-a')!.resourceVersion;
  clock.advance(5 * RETRY);
  await new Promise((resolve) => setImmediate(resolve));
  expect(store.leases.get('ring-pod-a')!.resourceVersion).toBe(version);
});

test('refuses durations the elector refuses, and an empty identity', () => {
  const base = { ring: new MemoryLeaseRing().client(), identity: 'x', clock: new FakeClock() };
  expect(() => new ShardRing({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
    'expected leaseDuration > renewDeadline > retryPeriod > 0',
  );
  expect(() => new ShardRing({ ...base, identity: '' })).toThrow('non-empty identity');
});
