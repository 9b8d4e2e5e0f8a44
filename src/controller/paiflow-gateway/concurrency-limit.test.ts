import { ConcurrencyLimit } from './concurrency-limit.ts';

test.each([0, 1.5, NaN])('rejects max %p', (max) => {
  expect(() => new ConcurrencyLimit({ max })).toThrow(`expected max to be an integer >= 1, got ${max}`);
});

test('at most max holders; a released slot goes to the first waiter', async () => {
  const limit = new ConcurrencyLimit({ max: 2 });
  const first = limit.tryAcquire();
  const second = await limit.acquire();
  expect(first).toBeDefined();
  expect(limit.tryAcquire()).toBeUndefined();
  const order: string[] = [];
  const a = limit.acquire().then((release) => (order.push('a'), release));
  const b = limit.acquire().then((release) => (order.push('b'), release));
  expect([limit.active, limit.pending]).toEqual([2, 2]);
  first?.();
  first?.(); // a second call gives nothing back
  const releaseA = await a;
  expect(order).toEqual(['a']);
  // The slot passed from first to a without ever being free.
  expect(limit.tryAcquire()).toBeUndefined();
  second();
  (await b)();
  releaseA();
  expect([limit.active, limit.pending]).toEqual([0, 0]);
  expect(order).toEqual(['a', 'b']);
});

test('an aborted waiter leaves the queue and gets no slot', async () => {
  const limit = new ConcurrencyLimit({ max: 1 });
  const release = limit.tryAcquire();
  const controller = new AbortController();
  const a = limit.acquire(controller.signal);
  const b = limit.acquire();
  controller.abort(new Error('gone'));
  await expect(a).rejects.toThrow('gone');
  expect(limit.pending).toBe(1);
  release?.();
  (await b)();
  expect([limit.active, limit.pending]).toEqual([0, 0]);
  await expect(limit.acquire(controller.signal)).rejects.toThrow('gone');
});

test('run releases the slot whether the task succeeds or fails', async () => {
  const limit = new ConcurrencyLimit({ max: 1 });
  await expect(limit.run(() => Promise.resolve(7))).resolves.toBe(7);
  await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(limit.active).toBe(0);
});

test('urgent waiters are served before all others, in their own order', async () => {
  const limit = new ConcurrencyLimit({ max: 1 });
  const release = limit.tryAcquire();
  const order: string[] = [];
  const waiter = (name: string, urgent: boolean): Promise<void> =>
    limit.acquire(undefined, urgent).then((next) => {
      order.push(name);
      next();
    });
  const all = [
    waiter('routine-1', false),
    waiter('routine-2', false),
    waiter('urgent-1', true),
    waiter('urgent-2', true),
  ];
  expect(limit.pending).toBe(4);
  release?.();
  await Promise.all(all);
  expect(order).toEqual(['urgent-1', 'urgent-2', 'routine-1', 'routine-2']);
});
