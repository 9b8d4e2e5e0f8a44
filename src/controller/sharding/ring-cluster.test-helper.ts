import type { Clock } from '../../clock/clock.ts';
import { sleep } from '../../clock/waits.ts';
import type { LeaseRing } from '../../kube/lease-ring.ts';
import type { LeaseStore } from '../../kube/lease-store.ts';
import type { Ownership } from './ownership.ts';
import { ShardRing, type RingEvent } from './shard-ring.ts';

/** How one member's requests fare: answered, or never answered (cut off from the API server). */
export type Link = 'up' | 'hang';

/** A LeaseRing whose requests hang while its link is cut, as a partitioned replica's do. */
function linked(ring: LeaseRing, link: () => Link): LeaseRing {
  const through = <T>(request: () => Promise<T>): Promise<T> =>
    link() === 'hang' ? new Promise<T>(() => undefined) : request();
  return {
    list: () => through(() => ring.list()),
    delete: (name, resourceVersion) => through(() => ring.delete(name, resourceVersion)),
    leaseName: (identity) => ring.leaseName(identity),
    lease: (identity): LeaseStore => {
      const store = ring.lease(identity);
      return {
        get: () => through(() => store.get()),
        create: (record, annotations) => through(() => store.create(record, annotations)),
        update: (record, version, annotations) => through(() => store.update(record, version, annotations)),
      };
    },
  };
}

export interface Member {
  identity: string;
  ring: ShardRing;
  /** Keys this member works on: added when owned, removed once their drain has ended. */
  active: Set<string>;
  events: RingEvent[];
  stop: AbortController;
  done: Promise<void>;
  /** Killed: the process is gone, so it works on nothing and its callbacks do nothing. */
  dead: boolean;
  link: Link;
}

export interface RingClusterOptions {
  clock: Clock;
  /** The ring as one member's client sees it. */
  ring: (identity: string) => LeaseRing;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** How long a member takes to stop work on a dropped key (an in-flight status write, say). */
  drainMs: number;
  keys: readonly string[];
}

/**
 * Several ring members with a model of the work each does: a key becomes active when its ownership
 * says so, and stays active for `drainMs` after its ownership drops it. The safety invariant, no key
 * active on two members, is checked every time a key becomes active (the only moment it can break);
 * breaches are collected in `violations`.
 */
export class RingCluster {
  readonly members = new Map<string, Member>();
  readonly violations: string[] = [];
  /** Per key, the changes of who works on it: [time, member, or '' once dropped]. */
  readonly history = new Map<string, [number, string][]>();
  readonly #o: RingClusterOptions;

  constructor(options: RingClusterOptions) {
    this.#o = options;
  }

  start(identity: string, clock: Clock = this.#o.clock): Member {
    const stop = new AbortController();
    const member: Member = {
      identity,
      ring: new ShardRing({
        ring: linked(this.#o.ring(identity), () => member.link),
        identity,
        clock,
        leaseDurationMs: this.#o.leaseDurationMs,
        renewDeadlineMs: this.#o.renewDeadlineMs,
        retryPeriodMs: this.#o.retryPeriodMs,
        onEvent: (event) => member.events.push(event),
      }),
      active: new Set(),
      events: [],
      stop,
      done: Promise.resolve(),
      dead: false,
      link: 'up',
    };
    member.done = member.ring.run(stop.signal, (next) => this.#apply(member, next));
    this.members.set(identity, member);
    return member;
  }

  member(identity: string): Member {
    const member = this.members.get(identity);
    if (member === undefined) throw new Error(`no member ${identity}`);
    return member;
  }

  /** kill -9: the process stops at once; its Lease stays as last written. */
  kill(identity: string): void {
    const member = this.member(identity);
    member.dead = true;
    member.active.clear();
    member.link = 'hang';
  }

  async #apply(member: Member, next: Ownership): Promise<void> {
    if (member.dead) return;
    const dropped = [...member.active].filter((key) => !next.owns(key));
    if (dropped.length > 0) {
      await sleep(this.#o.clock, this.#o.drainMs, new AbortController().signal);
      for (const key of dropped) {
        member.active.delete(key);
        this.#record(key, '');
      }
    }
    for (const key of this.#o.keys) {
      if (member.active.has(key) || !next.owns(key)) continue;
      const other = [...this.members.values()].find((m) => m !== member && m.active.has(key));
      if (other !== undefined) {
        this.violations.push(`${key}: ${member.identity} started while ${other.identity} worked on it`);
      }
      member.active.add(key);
      this.#record(key, member.identity);
    }
  }

  #record(key: string, owner: string): void {
    let history = this.history.get(key);
    if (history === undefined) this.history.set(key, (history = []));
    history.push([this.#o.clock.now(), owner]);
  }

  /** Which member works on each key now. */
  owners(): Map<string, string> {
    const owners = new Map<string, string>();
    for (const member of this.members.values())
      for (const key of member.active) owners.set(key, member.identity);
    return owners;
  }

  /** Keys per member now. */
  counts(): Map<string, number> {
    const result = new Map<string, number>();
    for (const owner of this.owners().values()) result.set(owner, (result.get(owner) ?? 0) + 1);
    return result;
  }

  /** Members neither killed nor stopped. */
  live(): Member[] {
    return [...this.members.values()].filter((m) => !m.dead && !m.stop.signal.aborted);
  }

  /** True when every live member settled on a view of exactly `identities`, and finished applying it. */
  settledOn(identities: readonly string[]): boolean {
    const want = [...identities].sort().join(',');
    return this.live().every(
      (m) => m.ring.ownership.settled && m.ring.ownership.applied.members.join(',') === want,
    );
  }

  /** Stops every live member (they drop their keys and leave); resolves once all have left. */
  async stopAll(): Promise<void> {
    const live = this.live();
    for (const member of live) member.stop.abort();
    await Promise.all(live.map((m) => m.done));
  }
}
