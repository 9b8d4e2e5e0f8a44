/**
 * Scenario time. In `wall` mode it is the wall clock since the simulator was created times `speed`;
 * in `manual` mode it moves only when a test (or the admin API) advances or sets it.
 *
 * Timestamps shown by the API (StartedAt, FinishedAt) are mapped back onto the wall clock:
 * `epoch + scenarioMs / speed`, so at `--speed 60` a 30-minute node finishes after 30 wall seconds
 * and its StartedAt/FinishedAt are 30 seconds apart: a client comparing them with its own clock never
 * sees times in the future.
 */
export type ClockMode = { kind: 'wall'; speed: number } | { kind: 'manual' };

export interface ScenarioClockOptions {
  mode: ClockMode;
  /** Wall clock in epoch milliseconds. */
  now: () => number;
}

export class ManualClockRequiredError extends Error {
  constructor() {
    super(
      'the scenario clock follows the wall clock; start the simulator with a manual clock to advance or set it',
    );
    this.name = 'ManualClockRequiredError';
  }
}

export class ScenarioClock {
  readonly mode: ClockMode;
  readonly #now: () => number;
  readonly #epochMs: number;
  #manualMs = 0;

  constructor(options: ScenarioClockOptions) {
    if (options.mode.kind === 'wall' && !(options.mode.speed > 0 && Number.isFinite(options.mode.speed))) {
      throw new RangeError(`clock speed: expected a positive number, got ${options.mode.speed}`);
    }
    this.mode = options.mode;
    this.#now = options.now;
    this.#epochMs = options.now();
  }

  /** Scenario milliseconds since the start. */
  elapsedMs(): number {
    return this.mode.kind === 'manual' ? this.#manualMs : (this.#now() - this.#epochMs) * this.mode.speed;
  }

  /** Moves a manual clock forward by `ms` (>= 0). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance: expected milliseconds >= 0, got ${ms}`);
    this.setTime(this.elapsedMs() + ms);
  }

  /** Sets a manual clock to `ms` since the scenario start (it may go back, e.g. to replay a scenario). */
  setTime(ms: number): void {
    if (this.mode.kind !== 'manual') throw new ManualClockRequiredError();
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError(`setTime: expected milliseconds >= 0, got ${ms}`);
    this.#manualMs = ms;
  }

  /** The wall-clock epoch milliseconds at which scenario time `scenarioMs` is shown. */
  toWallMs(scenarioMs: number): number {
    return this.#epochMs + scenarioMs / (this.mode.kind === 'wall' ? this.mode.speed : 1);
  }

  /** Scenario milliseconds expressed in wall milliseconds (for durations). */
  toWallDurationMs(scenarioMs: number): number {
    return scenarioMs / (this.mode.kind === 'wall' ? this.mode.speed : 1);
  }
}
