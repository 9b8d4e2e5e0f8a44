import { pino } from 'pino';
import { Controller } from '../../controller/controller.ts';
import { createRateLimitingQueue } from '../../controller/queue/index.ts';
import type { ReconcileContext, Result } from '../../controller/reconcile-result.ts';
import { family, newMetrics } from './exposition.test-helper.ts';

const C = 'controller="pipelinerunnode"';

/** A real Controller and queue, observed by the metrics, running a reconciler of the test's making. */
function setUp(reconcile: (key: string, context: ReconcileContext) => Promise<Result>) {
  const test = newMetrics();
  const queue = createRateLimitingQueue<string>({
    clock: test.clock,
    name: 'pipelinerunnode',
    observer: test.metrics.queue,
  });
  const controller = new Controller({
    name: 'pipelinerunnode',
    queue,
    reconciler: { reconcile },
    workers: 2,
    clock: test.clock,
    log: pino({ level: 'silent' }),
    observer: test.metrics.reconciles,
  });
  return { ...test, queue, controller };
}

describe('controller_runtime metrics of a real Controller', () => {
  test('each reconcile counts once by result, with its duration; a panic is an error too', async () => {
    const { registry, clock, queue, controller } = setUp((key) => {
      switch (key) {
        case 'ns/ok':
          clock.advance(250);
          return Promise.resolve({});
        case 'ns/poll':
          return Promise.resolve({ requeueAfterMs: 60_000 });
        case 'ns/fail':
          return Promise.reject(new Error('boom'));
        default:
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point: a non-Error
          return Promise.reject('not an Error');
      }
    });
    for (const key of ['ns/ok', 'ns/poll', 'ns/fail', 'ns/panic']) queue.add(key);
    controller.start();
    await queue.onIdle();
    await controller.stop(0);

    expect(await family(registry, 'controller_runtime_reconcile_total')).toEqual([
      `controller_runtime_reconcile_total{${C},result="success"} 1`,
      `controller_runtime_reconcile_total{${C},result="error"} 2`,
      `controller_runtime_reconcile_total{${C},result="requeue"} 0`,
      `controller_runtime_reconcile_total{${C},result="requeue_after"} 1`,
    ]);
    expect(await family(registry, 'controller_runtime_reconcile_errors_total')).toEqual([
      `controller_runtime_reconcile_errors_total{${C}} 2`,
    ]);
    expect(await family(registry, 'controller_runtime_reconcile_panics_total')).toEqual([
      `controller_runtime_reconcile_panics_total{${C}} 1`,
    ]);
    expect(await family(registry, 'controller_runtime_reconcile_time_seconds', 'le="0.2"')).toEqual([
      `controller_runtime_reconcile_time_seconds_bucket{le="0.2",${C}} 3`,
    ]);
    expect(await family(registry, 'controller_runtime_reconcile_time_seconds', 'le="0.25"')).toEqual([
      `controller_runtime_reconcile_time_seconds_bucket{le="0.25",${C}} 4`,
    ]);
    expect(await family(registry, 'controller_runtime_reconcile_time_seconds', '_count')).toEqual([
      `controller_runtime_reconcile_time_seconds_count{${C}} 4`,
    ]);
    // The two failures went back through the queue's backoff.
    expect(await family(registry, 'workqueue_retries_total')).toEqual([
      `workqueue_retries_total{name="pipelinerunnode",${C}} 2`,
    ]);
  });

  test('active workers and the unfinished work while a reconcile runs', async () => {
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (entered = resolve));
    const { registry, clock, queue, controller } = setUp(
      () =>
        new Promise<Result>((resolve) => {
          release = () => resolve({});
          entered();
        }),
    );
    queue.add('ns/slow');
    controller.start();
    await running;
    clock.advance(2000);
    expect(await family(registry, 'controller_runtime_active_workers')).toEqual([
      `controller_runtime_active_workers{${C}} 1`,
    ]);
    expect(await family(registry, 'workqueue_longest_running_processor_seconds')).toEqual([
      `workqueue_longest_running_processor_seconds{name="pipelinerunnode",${C}} 2`,
    ]);
    release();
    await queue.onIdle();
    await controller.stop(0);
    expect(await family(registry, 'controller_runtime_active_workers')).toEqual([
      `controller_runtime_active_workers{${C}} 0`,
    ]);
    expect(await family(registry, 'workqueue_work_duration_seconds', '_sum')).toEqual([
      `workqueue_work_duration_seconds_sum{name="pipelinerunnode",${C}} 2`,
    ]);
  });
});
