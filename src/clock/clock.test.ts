import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

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
