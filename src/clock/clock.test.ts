import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { systemClock } from './clock.ts';

// Node turns a timer longer than 2^31-1 ms into a 1 ms one and warns (TimeoutOverflowWarning): a
// retry-after of years would be a hot loop. Run in a child process, where Node's warnings go to stderr.

const CLOCK = new URL('./clock.ts', import.meta.url).pathname;

async function runTimer(setTimer: string): Promise<{ stdout: string; stderr: string }> {
  const script = `
    import { systemClock } from ${JSON.stringify(CLOCK)};
    const timer = ${setTimer};
    setTimeout(() => { timer.cancel?.(); clearTimeout(timer); }, 300);
  `;
  return promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
}

test('systemClock holds a delay of years without overflowing: no warning, nothing fires early', async () => {
  const { stdout, stderr } = await runTimer(
    "systemClock.setTimer(() => console.log('fired'), 99_999_999_999)",
  );
  expect(stderr).not.toContain('TimeoutOverflowWarning');
  expect(stdout).toBe('');
});

test('the control: a bare setTimeout of the same delay overflows, warns and fires at once', async () => {
  const { stdout, stderr } = await runTimer("setTimeout(() => console.log('fired'), 99_999_999_999)");
  expect(stderr).toContain('TimeoutOverflowWarning');
  expect(stdout).toBe('fired\n');
});

test('a systemClock timer that Node fires before its time by Date.now() waits out the rest', () => {
  // Node counts timers from the event loop's cached time, which can lag Date.now(): modelled by moving
  // the wall clock back 30 ms (fake timers keep their own schedule when the system time moves).
  jest.useFakeTimers({ now: 1_000_000 });
  try {
    const fired: number[] = [];
    systemClock.setTimer(() => fired.push(Date.now()), 100);
    jest.setSystemTime(1_000_000 - 30);
    jest.advanceTimersByTime(100); // Node's timer fires: Date.now() says 30 ms are left
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(30);
    expect(fired).toEqual([1_000_100]);
  } finally {
    jest.useRealTimers();
  }
});
