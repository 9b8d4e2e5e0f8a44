/**
 * The controller's work queue, in client-go's layers: a dedup queue of keys (work-queue.ts), delayed
 * adds (delaying-queue.ts), per-item backoff (rate-limiting-queue.ts) and the limiters deciding it
 * (rate-limiters.ts). Controllers want the top layer: `createRateLimitingQueue`.
 */
export {
  createWorkQueue,
  type AddOptions,
  type GetResult,
  type WorkQueue,
  type WorkQueueOptions,
} from './work-queue.ts';
export type { QueueObserver } from './queue-observer.ts';
export { createDelayingQueue, type DelayingQueue, type DelayingQueueOptions } from './delaying-queue.ts';
export {
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  withJitter,
  type ItemExponentialFailureRateLimiterOptions,
  type RateLimiter,
} from './rate-limiters.ts';
export {
  createRateLimitingQueue,
  type RateLimitedAddOptions,
  type RateLimitingQueue,
  type RateLimitingQueueOptions,
} from './rate-limiting-queue.ts';
