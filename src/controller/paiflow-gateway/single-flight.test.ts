import { SingleFlight } from './single-flight.ts';

/** A call the test settles by hand, recording how often it was started and whether it was aborted. */
function scriptedCall<T>() {
  const calls: { signal: AbortSignal; resolve: (value: T) => void; reject: (error: Error) => void }[] = [];
  const call = (signal: AbortSignal): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      calls.push({ signal, resolve, reject });
    });
  return { calls, call };
}

test('identical concurrent calls are made once and share the value', async () => {
  const flights = new SingleFlight<{ n: number }>();
  const { calls, call } = scriptedCall<{ n: number }>();
  const results = Promise.all(Array.from({ length: 10 }, () => flights.run('k', call)));
  expect(calls).toHaveLength(1);
  expect(flights.size).toBe(1);
  calls[0]!.resolve({ n: 1 });
  const values = await results;
  expect(new Set(values).size).toBe(1);
  expect(values[0]).toEqual({ n: 1 });
  expect(flights.size).toBe(0);
});

test('different keys make separate calls', async () => {
  const flights = new SingleFlight<string>();
  const { calls, call } = scriptedCall<string>();
  const a = flights.run('a', call);
  const b = flights.run('b', call);
  expect(calls).toHaveLength(2);
  calls[0]!.resolve('A');
  calls[1]!.resolve('B');
  expect(await Promise.all([a, b])).toEqual(['A', 'B']);
});

test('errors are shared, synchronous throws included', async () => {
  const flights = new SingleFlight<string>();
  const { calls, call } = scriptedCall<string>();
  const both = [flights.run('k', call), flights.run('k', call)];
  calls[0]!.reject(new Error('boom'));
  for (const p of both) await expect(p).rejects.toThrow('boom');
  const thrower = (): Promise<string> => {
    throw new Error('sync');
  };
  await expect(flights.run('k', thrower)).rejects.toThrow('sync');
  expect(flights.size).toBe(0);
});

test('after a call settles, the next caller starts a new one', async () => {
  const flights = new SingleFlight<string>();
  const { calls, call } = scriptedCall<string>();
  const first = flights.run('k', call);
  calls[0]!.resolve('one');
  await first;
  const second = flights.run('k', call);
  expect(calls).toHaveLength(2);
  calls[1]!.resolve('two');
  expect(await second).toBe('two');
});

test('one caller aborting stops its own wait only', async () => {
  const flights = new SingleFlight<string>();
  const { calls, call } = scriptedCall<string>();
  const controller = new AbortController();
  const leaving = flights.run('k', call, controller.signal);
  const staying = flights.run('k', call);
  controller.abort(new Error('caller gone'));
  await expect(leaving).rejects.toThrow('caller gone');
  expect(calls[0]!.signal.aborted).toBe(false);
  calls[0]!.resolve('value');
  expect(await staying).toBe('value');
});

test('when every caller has aborted, the call is aborted and the key is free again', async () => {
  const flights = new SingleFlight<string>();
  const { calls, call } = scriptedCall<string>();
  const controllers = [new AbortController(), new AbortController()];
  const waits = controllers.map((c) => flights.run('k', call, c.signal));
  controllers[0]!.abort(new Error('first gone'));
  expect(calls[0]!.signal.aborted).toBe(false);
  controllers[1]!.abort(new Error('second gone'));
  expect(calls[0]!.signal.aborted).toBe(true);
  await expect(waits[1]).rejects.toThrow('second gone');
  await expect(waits[0]).rejects.toThrow('first gone');
  expect(flights.size).toBe(0);
  // A caller arriving before the aborted call has settled starts afresh rather than joining it.
  const next = flights.run('k', call);
  expect(calls).toHaveLength(2);
  calls[0]!.reject(new Error('aborted'));
  calls[1]!.resolve('fresh');
  expect(await next).toBe('fresh');
  expect(flights.size).toBe(0);
});

test('an already aborted signal rejects without starting a call', async () => {
  const flights = new SingleFlight<string>();
  const { calls, call } = scriptedCall<string>();
  await expect(flights.run('k', call, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  expect(calls).toHaveLength(0);
});
