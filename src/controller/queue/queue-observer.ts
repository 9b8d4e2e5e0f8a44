/**
 * What a work queue tells whoever measures it (client-go's `queueMetrics`, without Prometheus): plain
 * callbacks with the item, in the order things happen. The queue knows no time; an observer that
 * wants durations timestamps the callbacks itself (queue wait = `handedOut` - `added`, work =
 * `done` - `handedOut`; the items between `handedOut` and `done` are the unfinished work).
 *
 * Every callback is optional, runs synchronously inside the queue operation, must be cheap and must
 * not throw (a throw would surface in the caller of `add`, `get` or `done`).
 */
export interface QueueObserver<T> {
  /**
   * `item` became pending: it was queued, or it was marked dirty while being processed (and will be
   * queued again by its `done`). Not called for an add that changed nothing (already pending) nor
   * for the re-queue of a dirty item, so each call is one counted add and each is followed by
   * exactly one `handedOut` of the item, unless a `shutDown` drops it first.
   */
  added?(item: T): void;
  /** A worker was handed `item`; it is being processed until `done`. */
  handedOut?(item: T): void;
  /** The worker finished `item` (called before a dirty item is queued again). */
  done?(item: T): void;
  /**
   * A rate-limited add of `item` (a retry after a failure, with backoff) was requested; planned
   * delayed adds (`addAfter`) are not retries. Not called once the queue is shutting down.
   */
  retried?(item: T): void;
  /** The number of queued items (waiting for a worker, neither delayed nor being processed) changed. */
  depth?(queued: number): void;
}
