import { timerDelay } from '../util/delays.ts';

/**
 * Time as the controller sees it. Everything that waits or measures takes a Clock, so tests drive
 * time with a FakeClock (fake-clock.ts) instead of sleeping, as client-go's workqueue does.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Calls `callback` once, `delayMs` from now (0 or less: as soon as possible, never synchronously).
   * The system clock holds at most MAX_TIMER_MS (about 24.8 days): a longer timer fires then, so a
   * caller waiting longer checks the time when called and sets another.
   */
  setTimer(callback: () => void, delayMs: number): Timer;
}

/** A pending callback of a Clock. */
export interface Timer {
  /** Stops the callback if it has not run; harmless afterwards. */
  cancel(): void;
}

/**
 * The real clock. Its timers do not keep the process alive (`unref`): lifecycles are explicit. Node
 * counts a timer from the event loop's cached time, so it can fire a few ms before its delay has
 * passed by Date.now(); the rest is waited out, so a callback that checks now() sees its time come.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const delay = timerDelay(delayMs);
    const due = Date.now() + delay;
    let handle: NodeJS.Timeout;
    const arm = (ms: number): void => {
      handle = setTimeout(() => {
        const left = due - Date.now();
        if (left > 0) arm(left);
        else callback();
      }, ms);
      handle.unref();
    };
    arm(delay);
    return {
      cancel: () => {
        clearTimeout(handle);
      },
    };
  },
};
