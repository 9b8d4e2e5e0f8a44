import { FakeClock } from '../../clock/fake-clock.ts';
import { RunGroup } from './run-group.ts';
import { runnable, type Runnable } from './runnable.ts';

/** A component whose start and stop the test completes by hand, logging what happens. */
function component(
  name: string,
  log: string[],
  readyAtOnce = false,
): Runnable & { ready(): void; stopDone(): void } {
  let ready = (): void => undefined;
  let stopDone = (): void => undefined;
  const r = runnable(
    name,
    () => {
      log.push(`start ${name}`);
      return readyAtOnce ? Promise.resolve() : new Promise<void>((resolve) => (ready = resolve));
    },
    () => {
      log.push(`stop ${name}`);
      return new Promise<void>((resolve) => (stopDone = resolve));
    },
  );
  return { ...r, ready: () => ready(), stopDone: () => stopDone() };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

test('starts each component once the previous one is ready; stops them in reverse order', async () => {
  const log: string[] = [];
  const [a, b, c] = ['a', 'b', 'c'].map((name) => component(name, log));
  const group = new RunGroup({ clock: new FakeClock() });
  const started = group.start([a!, b!, c!]);
  await settle();
  expect(log).toEqual(['start a']);
  a!.ready();
  await settle();
  expect(log).toEqual(['start a', 'start b']);
  b!.ready();
  await settle();
  c!.ready();
  await started;
  expect(log).toEqual(['start a', 'start b', 'start c']);

  const stopped = group.stop(1000);
  await settle();
  expect(log.slice(3)).toEqual(['stop c']); // b waits until c has stopped
  c!.stopDone();
  await settle();
  expect(log.slice(3)).toEqual(['stop c', 'stop b']);
  b!.stopDone();
  await settle();
  a!.stopDone();
  await stopped;
  expect(log.slice(3)).toEqual(['stop c', 'stop b', 'stop a']);
});

test('a component that does not stop in time is left behind after its bound, and reported', async () => {
  const log: string[] = [];
  const clock = new FakeClock();
  const [a, b] = ['a', 'b'].map((name) => component(name, log, true));
  const late: string[] = [];
  const group = new RunGroup({ clock, onStopTimeout: (name, ms) => late.push(`${name} ${ms}`) });
  await group.start([a!, b!]);
  const stopped = group.stop(5000);
  await settle();
  clock.advance(4999);
  await settle();
  expect(log.slice(2)).toEqual(['stop b']);
  clock.advance(1);
  await settle();
  a!.stopDone();
  await stopped;
  expect(late).toEqual(['b 5000']);
  expect(log.slice(2)).toEqual(['stop b', 'stop a']);
});

test('stop() during start: the rest are never started, the one starting is stopped', async () => {
  const log: string[] = [];
  const [a, b] = ['a', 'b'].map((name) => component(name, log));
  const group = new RunGroup({ clock: new FakeClock() });
  const started = group.start([a!, b!]);
  await settle();
  const stopped = group.stop(1000);
  await started;
  a!.stopDone();
  a!.ready(); // the informer's start() returns once stopped
  await stopped;
  expect(log).toEqual(['start a', 'stop a']);
});
