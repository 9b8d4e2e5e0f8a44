import { runScript } from './script.test-helper.ts';
import { createWorkQueue } from './work-queue.ts';

describe('WorkQueue', () => {
  test.each([
    {
      name: 'hands items out first in, first out',
      steps: ['add a', 'add b', 'add c', 'get', 'get', 'get', 'len'],
      want: ['get#1 a', 'get#2 b', 'get#3 c', 'len 0'],
    },
    {
      name: 'a key waiting is not added twice, and keeps its place',
      steps: ['add a', 'add b', 'add a', 'len', 'get', 'get', 'get', 'len'],
      want: ['len 2', 'get#1 a', 'get#2 b', 'len 0'],
    },
    {
      name: 'an add during processing marks the key dirty; done queues it again',
      steps: ['add a', 'get', 'add a', 'len', 'pending a', 'done a', 'len', 'get'],
      want: ['get#1 a', 'len 0', 'pending a true', 'len 1', 'get#2 a'],
    },
    {
      name: 'N adds during one processing collapse to one follow-up',
      steps: [
        'add a',
        'get',
        'add a',
        'add a',
        'add a',
        'done a',
        'len',
        'get',
        'done a',
        'len',
        'pending a',
      ],
      want: ['get#1 a', 'len 1', 'get#2 a', 'len 0', 'pending a false'],
    },
    {
      name: 'a dirty key re-queued by done goes behind keys queued meanwhile',
      steps: ['add a', 'get', 'add a', 'add b', 'done a', 'get', 'get'],
      want: ['get#1 a', 'get#2 b', 'get#3 a'],
    },
    {
      name: 'a waiting getter gets the next add; getters are served in call order',
      steps: ['get', 'get', 'add a', 'add b'],
      want: ['get#1 a', 'get#2 b'],
    },
    {
      name: 'two workers never receive the same key, even when it is added again',
      steps: ['get', 'get', 'add a', 'add a', 'add b', 'done a', 'get', 'done b', 'done a', 'len'],
      want: ['get#1 a', 'get#2 b', 'get#3 a', 'len 0'],
    },
    {
      name: 'a dirty key goes to the next waiting getter on done',
      steps: ['add a', 'get', 'get', 'add a', 'done a'],
      want: ['get#1 a', 'get#2 a'],
    },
  ])('$name', async ({ steps, want }) => {
    expect(await runScript(createWorkQueue<string>(), steps)).toEqual(want);
  });

  describe('shutDown', () => {
    test.each([
      {
        name: 'resolves waiting getters and every later get with shutdown',
        steps: ['get', 'get', 'shutdown', 'get'],
        want: ['get#1 shutdown', 'get#2 shutdown', 'get#3 shutdown'],
      },
      {
        name: 'drops queued and dirty keys, ignores adds, and still takes done',
        steps: ['add a', 'add b', 'get', 'add a', 'shutdown', 'len', 'add c', 'len', 'get', 'idle', 'done a'],
        want: ['get#1 a', 'len 0', 'len 0', 'get#2 shutdown', 'idle'],
      },
      {
        name: 'is idempotent',
        steps: ['shutdown', 'shutdown', 'get'],
        want: ['get#1 shutdown'],
      },
    ])('$name', async ({ steps, want }) => {
      expect(await runScript(createWorkQueue<string>(), steps)).toEqual(want);
    });

    test('shuttingDown reports it', () => {
      const queue = createWorkQueue<string>();
      expect(queue.shuttingDown()).toBe(false);
      queue.shutDown();
      expect(queue.shuttingDown()).toBe(true);
    });
  });

  describe('shutDownWithDrain', () => {
    test.each([
      {
        name: 'resolves at once when nothing is queued or processing',
        steps: ['get', 'drain', 'get'],
        want: ['get#1 shutdown', 'drained', 'get#2 shutdown'],
      },
      {
        name: 'waits for processing keys to be done',
        steps: ['add a', 'add b', 'get', 'get', 'drain', 'done a', 'done b'],
        want: ['get#1 a', 'get#2 b', 'drained'],
      },
      {
        name: 'hands out what is queued, then shutdown; ignores adds meanwhile',
        steps: ['add a', 'add b', 'drain', 'add c', 'len', 'get', 'get', 'get', 'done a', 'done b'],
        want: ['len 2', 'get#1 a', 'get#2 b', 'get#3 shutdown', 'drained'],
      },
      {
        name: 'still runs a key that was dirty when the drain began',
        steps: ['add a', 'get', 'add a', 'drain', 'done a', 'get', 'done a'],
        want: ['get#1 a', 'get#2 a', 'drained'],
      },
      {
        name: 'a shutDown during the drain drops what is queued; the drain ends with the processing keys',
        steps: ['add a', 'add b', 'get', 'drain', 'shutdown', 'get', 'done a'],
        want: ['get#1 a', 'get#2 shutdown', 'drained'],
      },
      {
        name: 'after shutDown it resolves once the processing keys are done',
        steps: ['add a', 'get', 'shutdown', 'drain', 'done a'],
        want: ['get#1 a', 'drained'],
      },
    ])('$name', async ({ steps, want }) => {
      expect(await runScript(createWorkQueue<string>(), steps)).toEqual(want);
    });
  });

  describe('onIdle', () => {
    test.each([
      { name: 'resolves at once on an empty queue', steps: ['idle'], want: ['idle'] },
      {
        name: 'waits for queued keys to be handed out and done',
        steps: ['add a', 'add b', 'idle', 'get', 'done a', 'get', 'done b'],
        want: ['get#1 a', 'get#2 b', 'idle'],
      },
      {
        name: 'is not idle while a dirty key is re-queued',
        steps: ['add a', 'get', 'add a', 'idle', 'done a', 'get', 'done a'],
        want: ['get#1 a', 'get#2 a', 'idle'],
      },
      {
        name: 'waiting getters do not count as work',
        steps: ['get', 'idle'],
        want: ['idle'],
      },
    ])('$name', async ({ steps, want }) => {
      expect(await runScript(createWorkQueue<string>(), steps)).toEqual(want);
    });
  });

  test('done of a key that is not being processed throws', () => {
    const queue = createWorkQueue<string>({ name: 'prn' });
    queue.add('ns/a');
    expect(() => {
      queue.done('ns/a');
    }).toThrow('work queue prn: done(ns/a) for an item that is not being processed');
  });

  test('a second done throws', async () => {
    const queue = createWorkQueue<string>();
    queue.add('a');
    await queue.get();
    queue.done('a');
    expect(() => {
      queue.done('a');
    }).toThrow('not being processed');
  });

  test('keys compare as Map keys do: any type, by SameValueZero', async () => {
    const queue = createWorkQueue<number>();
    queue.add(1);
    queue.add(NaN);
    queue.add(NaN);
    queue.add(1);
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toEqual({ item: 1, shutdown: false });
    expect(await queue.get()).toEqual({ item: NaN, shutdown: false });
  });

  describe('groups (groupOf): tenants take turns', () => {
    const namespaceOf = (key: string): string => key.slice(0, key.indexOf('/'));
    const drain = async (queue: ReturnType<typeof createWorkQueue<string>>): Promise<string[]> => {
      const out: string[] = [];
      while (queue.len() > 0) {
        const next = await queue.get();
        if (!next.shutdown) out.push(next.item);
      }
      return out;
    };

    test('a group with many items delays another group by one item per turn', async () => {
      const queue = createWorkQueue<string>({ groupOf: namespaceOf });
      for (const name of ['1', '2', '3', '4']) queue.add(`busy/${name}`, { urgent: true });
      queue.add('quiet/x');
      queue.add('other/y');
      expect(await drain(queue)).toEqual(['busy/1', 'quiet/x', 'other/y', 'busy/2', 'busy/3', 'busy/4']);
    });

    test('within a group, urgent first and each lane in order; dedup and promotion across lanes', async () => {
      const queue = createWorkQueue<string>({ groupOf: namespaceOf });
      queue.add('a/r1');
      queue.add('a/r2');
      queue.add('a/u1', { urgent: true });
      queue.add('a/r2', { urgent: true }); // promoted, behind a/u1
      queue.add('a/r1'); // already queued: keeps its place
      expect(queue.len()).toBe(3);
      expect(await drain(queue)).toEqual(['a/u1', 'a/r2', 'a/r1']);
    });

    test('a group that ran dry goes to the back of the line when it comes again', async () => {
      const queue = createWorkQueue<string>({ groupOf: namespaceOf });
      queue.add('a/1');
      queue.add('b/1');
      queue.add('b/2');
      expect(await queue.get()).toEqual({ item: 'a/1', shutdown: false });
      queue.add('a/2');
      expect(await drain(queue)).toEqual(['b/1', 'a/2', 'b/2']);
    });
  });

  test('name defaults to workqueue', () => {
    expect(createWorkQueue().name).toBe('workqueue');
    expect(createWorkQueue({ name: 'prn' }).name).toBe('prn');
  });
});
