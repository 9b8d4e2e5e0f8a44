import { createRateLimitingQueue, ItemExponentialFailureRateLimiter } from '../../controller/queue/index.ts';
import { family, newMetrics } from './exposition.test-helper.ts';

const Q = 'name="pipelinerunnode",controller="pipelinerunnode"';

function setUp() {
  const test = newMetrics();
  const queue = createRateLimitingQueue<string>({
    clock: test.clock,
    name: 'pipelinerunnode',
    observer: test.metrics.queue,
    rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 1000, maxDelayMs: 1000 }),
  });
  return { ...test, queue };
}

describe('workqueue metrics of a real queue on a fake clock', () => {
  test('adds, depth, the wait before a hand-out and the work until done', async () => {
    const { registry, clock, queue } = setUp();
    queue.add('ns/a');
    queue.add('ns/a'); // already queued: not an add
    queue.add('ns/b');
    expect(await family(registry, 'workqueue_adds_total')).toEqual([`workqueue_adds_total{${Q}} 2`]);
    expect(await family(registry, 'workqueue_depth')).toEqual([`workqueue_depth{${Q}} 2`]);

    clock.advance(1500);
    await queue.get();
    expect(await family(registry, 'workqueue_depth')).toEqual([`workqueue_depth{${Q}} 1`]);
    expect(await family(registry, 'workqueue_queue_duration_seconds', '_count')).toEqual([
      `workqueue_queue_duration_seconds_count{${Q}} 1`,
    ]);
    expect(await family(registry, 'workqueue_queue_duration_seconds', '_sum')).toEqual([
      `workqueue_queue_duration_seconds_sum{${Q}} 1.5`,
    ]);
    expect(await family(registry, 'workqueue_queue_duration_seconds', 'le="1"')).toEqual([
      `workqueue_queue_duration_seconds_bucket{le="1",${Q}} 0`,
    ]);
    expect(await family(registry, 'workqueue_queue_duration_seconds', 'le="10"')).toEqual([
      `workqueue_queue_duration_seconds_bucket{le="10",${Q}} 1`,
    ]);

    clock.advance(3000);
    await queue.get();
    clock.advance(1000);
    // a has been processing for 4 s, b for 1 s.
    expect(await family(registry, 'workqueue_unfinished_work_seconds')).toEqual([
      `workqueue_unfinished_work_seconds{${Q}} 5`,
    ]);
    expect(await family(registry, 'workqueue_longest_running_processor_seconds')).toEqual([
      `workqueue_longest_running_processor_seconds{${Q}} 4`,
    ]);

    queue.done('ns/a');
    expect(await family(registry, 'workqueue_work_duration_seconds', '_sum')).toEqual([
      `workqueue_work_duration_seconds_sum{${Q}} 4`,
    ]);
    expect(await family(registry, 'workqueue_longest_running_processor_seconds')).toEqual([
      `workqueue_longest_running_processor_seconds{${Q}} 1`,
    ]);
    queue.done('ns/b');
    expect(await family(registry, 'workqueue_unfinished_work_seconds')).toEqual([
      `workqueue_unfinished_work_seconds{${Q}} 0`,
    ]);
    expect(await family(registry, 'workqueue_work_duration_seconds', '_count')).toEqual([
      `workqueue_work_duration_seconds_count{${Q}} 2`,
    ]);
  });

  test('an add while processing counts, and its wait runs from that add', async () => {
    const { registry, clock, queue } = setUp();
    queue.add('ns/a');
    await queue.get();
    clock.advance(1000);
    queue.add('ns/a'); // dirty
    queue.add('ns/a'); // still the same pending run
    clock.advance(2000);
    queue.done('ns/a');
    expect(await family(registry, 'workqueue_depth')).toEqual([`workqueue_depth{${Q}} 1`]);
    clock.advance(500);
    await queue.get();
    expect(await family(registry, 'workqueue_adds_total')).toEqual([`workqueue_adds_total{${Q}} 2`]);
    expect(await family(registry, 'workqueue_queue_duration_seconds', '_sum')).toEqual([
      `workqueue_queue_duration_seconds_sum{${Q}} 2.5`,
    ]);
  });

  test('rate-limited adds are retries; planned delayed adds are not', async () => {
    const { registry, clock, queue } = setUp();
    queue.addRateLimited('ns/a');
    queue.addAfter('ns/b', 30_000);
    expect(await family(registry, 'workqueue_retries_total')).toEqual([`workqueue_retries_total{${Q}} 1`]);
    // Delayed items are neither added nor queued until they fall due.
    expect(await family(registry, 'workqueue_adds_total')).toEqual([`workqueue_adds_total{${Q}} 0`]);
    clock.advance(1000);
    expect(await family(registry, 'workqueue_adds_total')).toEqual([`workqueue_adds_total{${Q}} 1`]);
    expect(await family(registry, 'workqueue_depth')).toEqual([`workqueue_depth{${Q}} 1`]);
  });

  test('shutDown empties the depth', async () => {
    const { registry, queue } = setUp();
    queue.add('ns/a');
    queue.shutDown();
    expect(await family(registry, 'workqueue_depth')).toEqual([`workqueue_depth{${Q}} 0`]);
  });
});
