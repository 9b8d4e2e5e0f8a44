import { FakeClock } from './fake-clock.ts';
import { sleep, TimeoutError, withTimeout } from './waits.ts';

test('sleep resolves true once the time has passed on the clock, and not before', async () => {
  const clock = new FakeClock();
  let done: boolean | undefined;
  void sleep(clock, 1000, new AbortController().signal).then((value) => (done = value));
  clock.advance(999);
  await Promise.resolve();
  expect(done).toBeUndefined();
  clock.advance(1);
  await Promise.resolve();
  expect(done).toBe(true);
});

test('sleep resolves false when its signal aborts, and leaves no timer behind', async () => {
  const clock = new FakeClock();
  const abort = new AbortController();
  const slept = sleep(clock, 1000, abort.signal);
  abort.abort();
  await expect(slept).resolves.toBe(false);
  expect(clock.pendingTimers()).toBe(0);
  await expect(sleep(clock, 1000, abort.signal)).resolves.toBe(false);
});

test('withTimeout settles as the promise does, or rejects with a TimeoutError naming the operation', async () => {
  const clock = new FakeClock();
  await expect(withTimeout(clock, Promise.resolve(7), 100, 'x')).resolves.toBe(7);
  await expect(withTimeout(clock, Promise.reject(new Error('no')), 100, 'x')).rejects.toThrow('no');
  expect(clock.pendingTimers()).toBe(0);

  const never = withTimeout(clock, new Promise<never>(() => undefined), 100, 'Lease renewal');
  clock.advance(100);
  await expect(never).rejects.toThrow(new TimeoutError('Lease renewal timed out after 100 ms'));
});
