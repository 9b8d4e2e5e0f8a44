import type { Clock, Timer } from './clock.ts';

/** Options of a {@link FakeClock}. */
export interface FakeClockOptions {
  /** The starting time, epoch milliseconds. @default 0 */
  now?: number;
}

interface PendingTimer {
  readonly at: number;
  /** Creation order: timers due at the same time run in the order they were set. */
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A Clock that moves only when told, for tests (client-go's `clock/testing.FakeClock`). Timers run
 * inside `advance`, `setTime` and `runDue`, in due-time order, with `now()` reading each timer's due
 * time while it runs; timers set by those callbacks run in the same call if they fall due within it.
 * A timer set with a delay of 0 or less is due at once but, as with the system clock, never runs
 * inside `setTimer`: the next `advance(0)` or `runDue()` runs it.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Set<PendingTimer>();

  constructor(options: FakeClockOptions = {}) {
    this.#now = finite('now', options.now ?? 0);
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const delay = Math.max(0, finite('delay', delayMs));
    const timer: PendingTimer = { at: this.#now + delay, seq: this.#seq++, callback };
    this.#timers.add(timer);
    return {
      cancel: () => {
        this.#timers.delete(timer);
      },
    };
  }

  /** Moves time forward by `ms` (>= 0), running every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`expected a non-negative number of milliseconds, got ${ms}`);
    this.setTime(this.#now + ms);
  }

  /**
   * Sets the time to `ms`, running every timer due by then. Moving backwards is allowed (a wall-clock
   * jump); timers keep their absolute due times.
   */
  setTime(ms: number): void {
    const target = finite('time', ms);
    for (let timer = this.#earliestDueBy(target); timer; timer = this.#earliestDueBy(target)) {
      this.#timers.delete(timer);
      this.#now = Math.max(this.#now, timer.at);
      timer.callback();
    }
    this.#now = target;
  }

  /** Runs the timers already due, without moving time: `advance(0)`. */
  runDue(): void {
    this.advance(0);
  }

  /** How many timers are set and neither run nor cancelled. */
  pendingTimers(): number {
    return this.#timers.size;
  }

  /** The due time of the earliest pending timer, or undefined if none is pending. */
  nextTimerAt(): number | undefined {
    return this.#earliestDueBy(Infinity)?.at;
  }

  #earliestDueBy(limit: number): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.at > limit) continue;
      if (!earliest || timer.at < earliest.at || (timer.at === earliest.at && timer.seq < earliest.seq)) {
        earliest = timer;
      }
    }
    return earliest;
  }
}

function finite(what: string, value: number): number {
  if (!Number.isFinite(value))
    throw new RangeError(`expected a finite ${what} in milliseconds, got ${value}`);
  return value;
}
