import type { Clock } from '../../clock/clock.ts';
import { FakeClock } from '../../clock/fake-clock.ts';
import { sleep } from '../../clock/waits.ts';
import { MemoryLeaseRing } from './memory-lease-ring.test-helper.ts';
import type { Ownership } from './ownership.ts';
import { ShardRing, type RingEvent } from './shard-ring.ts';
import { VIEW_ANNOTATION } from './view.ts';

const LEASE = 15_000;
const RENEW = 10_000;
const RETRY = 2_000;
/** How long a member takes to stop work on a dropped key (an in-flight status write, say). */
const DRAIN = 700;
const KEYS = Array.from({ length: 600 }, (_, i) => `flow-${i.toString(36)}-${(i * 7919) % 10007}`);

interface Member {
  identity: string;
  ring: ShardRing;
  /** Keys this member works on: added when owned, removed once their drain has ended. */
  active: Set<string>;
  events: RingEvent[];
  stop: AbortController;
  done: Promise<void>;
  /** Killed: the process is gone, so it works on nothing and its callbacks do nothing. */
  dead: boolean;
}

/**
 * Several ring members on one fake clock and one in-memory ring, each with a model of the work it
 * does: a key becomes active when its ownership says so, and stays active for DRAIN after its
 * ownership drops it. The safety invariant, no key active on two members, is checked every time a
 * key becomes active (the only moment it can break).
 */
class Cluster {
  readonly clock = new FakeClock({ now: 1_700_000_000_000 });
  readonly store = new MemoryLeaseRing();
  readonly members = new Map<string, Member>();
  readonly violations: string[] = [];
  /** Per key, the changes of its owner: [time, member or '' for dropped]. */
  readonly history = new Map<string, [number, string][]>();

  start(identity: string, clock: Clock = this.clock): Member {
    const stop = new AbortController();
    const member: Member = {
      identity,
      ring: new ShardRing({
        ring: this.store.client(identity),
        identity,
        clock,
        leaseDurationMs: LEASE,
        renewDeadlineMs: RENEW,
        retryPeriodMs: RETRY,
        onEvent: (event) => member.events.push(event),
      }),
      active: new Set(),
      events: [],
      stop,
      done: Promise.resolve(),
      dead: false,
    };
    member.done = member.ring.run(stop.signal, (next) => this.#apply(member, next));
    this.members.set(identity, member);
    return member;
  }

  /** kill -9: the process stops at once; its Lease stays as last written. */
  kill(identity: string): void {
    const member = this.members.get(identity)!;
    member.dead = true;
    member.active.clear();
    this.store.link(identity, 'hang');
  }

  async #apply(member: Member, next: Ownership): Promise<void> {
    if (member.dead) return;
    const dropped = [...member.active].filter((key) => !next.owns(key));
    if (dropped.length > 0) {
      await sleep(this.clock, DRAIN, new AbortController().signal);
      for (const key of dropped) {
        member.active.delete(key);
        this.#record(key, '');
      }
    }
    for (const key of KEYS) {
      if (member.active.has(key) || !next.owns(key)) continue;
      const others = [...this.members.values()].filter((m) => m !== member && m.active.has(key));
      if (others.length > 0) {
        this.violations.push(`${key}: ${member.identity} started while ${others[0]!.identity} worked on it`);
      }
      member.active.add(key);
      this.#record(key, member.identity);
    }
  }

  #record(key: string, owner: string): void {
    let history = this.history.get(key);
    if (history === undefined) this.history.set(key, (history = []));
    history.push([this.clock.now(), owner]);
  }

  /** Which member works on each key now. */
  owners(): Map<string, string> {
    const owners = new Map<string, string>();
    for (const member of this.members.values())
      for (const key of member.active) owners.set(key, member.identity);
    return owners;
  }

  live(): Member[] {
    return [...this.members.values()].filter((m) => !m.dead && !m.stop.signal.aborted);
  }

  /** True when every live member settled on a view of exactly `identities`. */
  settledOn(identities: readonly string[]): boolean {
    const want = [...identities].sort().join(',');
    return this.live().every(
      (m) => m.ring.ownership.settled && m.ring.ownership.applied.members.join(',') === want,
    );
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

  async stopAll(): Promise<void> {
    for (const member of this.live()) member.stop.abort();
    await this.advance(DRAIN + 100);
    await Promise.all(this.live().map((m) => m.done));
  }
}

function counts(owners: Map<string, string>): Map<string, number> {
  const result = new Map<string, number>();
  for (const owner of owners.values()) result.set(owner, (result.get(owner) ?? 0) + 1);
  return result;
}

test('three members settle on one view within two retry periods: every key has exactly one owner, 200 +- 25 % each', async () => {
  const cluster = new Cluster();
  for (const id of ['pod-a', 'pod-b', 'pod-c']) cluster.start(id);
  const took = await cluster.until(() => cluster.settledOn(['pod-a', 'pod-b', 'pod-c']), 2 * RETRY + DRAIN);
  await cluster.advance(DRAIN);
  const owners = cluster.owners();
  expect(owners.size).toBe(KEYS.length);
  for (const count of counts(owners).values()) expect(Math.abs(count - 200)).toBeLessThanOrEqual(50);
  expect(cluster.violations).toEqual([]);
  // Each Lease carries the hash of the view its holder applies.
  const hashes = new Set([...cluster.store.leases.values()].map((l) => l.annotations?.[VIEW_ANNOTATION]));
  expect(hashes.size).toBe(1);
  console.log(
    `ring: 3 members settled in ${took} ms; keys per member ${[...counts(owners).values()].join(', ')}`,
  );
  await cluster.stopAll();
});

test('a fourth member takes up the keys it wins only after their owners stopped work on them; no other key moves', async () => {
  const cluster = new Cluster();
  for (const id of ['pod-a', 'pod-b', 'pod-c']) cluster.start(id);
  await cluster.until(() => cluster.settledOn(['pod-a', 'pod-b', 'pod-c']), 3 * RETRY);
  await cluster.advance(DRAIN);
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
  await cluster.stopAll();
});

test('a partitioned member drops its keys within the renew deadline; the others take them over once its Lease expires by their clocks; it rejoins when healed', async () => {
  const cluster = new Cluster();
  for (const id of ['pod-a', 'pod-b', 'pod-c']) cluster.start(id);
  await cluster.until(() => cluster.settledOn(['pod-a', 'pod-b', 'pod-c']), 3 * RETRY);
  await cluster.advance(DRAIN);
  const c = cluster.members.get('pod-c')!;
  const keysOfC = [...c.active];
  const cutAt = cluster.clock.now();
  cluster.store.link('pod-c', 'hang');

  const fenced = await cluster.until(() => c.active.size === 0, RENEW + DRAIN);
  expect(c.events.map((e) => e.type)).toContain('fenced');
  await cluster.until(() => keysOfC.every((key) => cluster.owners().has(key)), LEASE + 4 * RETRY);
  const takeover = cluster.clock.now() - cutAt;
  // Not before the Lease expired by the others' observation: its last change was seen at most a
  // retry period before the cut.
  expect(cluster.clock.now() - cutAt).toBeGreaterThanOrEqual(LEASE - RETRY);
  expect(cluster.violations).toEqual([]);

  cluster.store.link('pod-c', 'up');
  await cluster.until(() => cluster.settledOn(['pod-a', 'pod-b', 'pod-c']), LEASE + 3 * RETRY);
  await cluster.advance(DRAIN);
  expect(new Set(keysOfC)).toEqual(c.active); // rendezvous: the same keys come back
  expect(cluster.violations).toEqual([]);
  console.log(
    `ring: partitioned member fenced ${fenced} ms after the cut; its keys taken over after ${takeover} ms`,
  );
  await cluster.stopAll();
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
  await cluster.until(() => cluster.settledOn(['pod-a', 'pod-b', 'pod-c']), 3 * RETRY);
  await cluster.advance(DRAIN);
  const renewTimes = [...cluster.store.leases.values()].map(
    (l) => l.record.renewTimeMs! - cluster.clock.now(),
  );
  expect(Math.max(...renewTimes)).toBeGreaterThan(3_500_000);
  expect(Math.min(...renewTimes)).toBeLessThan(-3_500_000);

  // Alive for a minute with timestamps an hour off: nobody is counted gone.
  await cluster.advance(60_000);
  expect(cluster.settledOn(['pod-a', 'pod-b', 'pod-c'])).toBe(true);

  const keysOfB = [...cluster.members.get('pod-b')!.active];
  const killedAt = cluster.clock.now();
  cluster.kill('pod-b');
  await cluster.until(() => keysOfB.every((key) => cluster.owners().has(key)), LEASE + 4 * RETRY);
  const takeover = cluster.clock.now() - killedAt;
  expect(takeover).toBeGreaterThanOrEqual(LEASE - RETRY);
  expect(cluster.violations).toEqual([]);
  console.log(
    `ring: killed member's keys taken over after ${takeover} ms (lease ${LEASE} ms, retry ${RETRY} ms)`,
  );
  await cluster.stopAll();
});

test('a member that leaves drops its keys, deletes its Lease, and the others take over within two retry periods', async () => {
  const cluster = new Cluster();
  for (const id of ['pod-a', 'pod-b', 'pod-c']) cluster.start(id);
  await cluster.until(() => cluster.settledOn(['pod-a', 'pod-b', 'pod-c']), 3 * RETRY);
  await cluster.advance(DRAIN);
  const a = cluster.members.get('pod-a')!;
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
  await cluster.stopAll();
});

test('membership flapping: a member whose link keeps dropping never works on a key another works on; once stable, all settle', async () => {
  const cluster = new Cluster();
  for (const id of ['pod-a', 'pod-b', 'pod-c']) cluster.start(id);
  await cluster.until(() => cluster.settledOn(['pod-a', 'pod-b', 'pod-c']), 3 * RETRY);
  // Outages around the renew deadline and the lease duration, the worst for agreement.
  for (const [up, down] of [
    [3_000, 11_000],
    [1_000, 16_000],
    [2_500, 9_000],
    [4_000, 15_500],
    [500, 14_000],
    [6_000, 3_000],
  ] as const) {
    cluster.store.link('pod-c', 'up');
    await cluster.advance(up);
    cluster.store.link('pod-c', 'hang');
    await cluster.advance(down);
  }
  cluster.store.link('pod-c', 'up');
  await cluster.until(() => cluster.settledOn(['pod-a', 'pod-b', 'pod-c']), LEASE + 4 * RETRY);
  await cluster.advance(DRAIN);
  expect(cluster.owners().size).toBe(KEYS.length);
  expect(cluster.violations).toEqual([]);
  await cluster.stopAll();
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
  expect(cluster.members.get('pod-a')!.events.concat(cluster.members.get('pod-b')!.events)).toContainEqual({
    type: 'staleLeaseDeleted',
    name: 'ring-pod-old',
  });
  await cluster.stopAll();
});

test('an ownership change that fails stops the ring: it renews no more and run() rejects', async () => {
  const clock = new FakeClock({ now: 1_000_000 });
  const store = new MemoryLeaseRing();
  const ring = new ShardRing({ ring: store.client('pod-a'), identity: 'pod-a', clock });
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
  const base = { ring: new MemoryLeaseRing().client('x'), identity: 'x', clock: new FakeClock() };
  expect(() => new ShardRing({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
    'expected leaseDuration > renewDeadline > retryPeriod > 0',
  );
  expect(() => new ShardRing({ ...base, identity: '' })).toThrow('non-empty identity');
});
