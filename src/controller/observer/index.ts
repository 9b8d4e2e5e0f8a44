/**
 * The observer: when PAIFlow is asked about each PipelineRunNode, and what it said. Polls in
 * batches (ListPipelineRunsStatus), makes detail calls (ListPipelineRunNodeStatus) only when they
 * can tell something new, and hands observations to the reconciler, which makes no PAIFlow call.
 */
export { Observer, type ObserverHooks, type ObserverOptions, type ObserverStats } from './observer.ts';
export { DetailPoller, unusableAnswer, type DetailPollerOptions, type DetailResult } from './detail-poll.ts';
export { BatchSizes, DEFAULT_BATCH_SIZE } from './batch-sizes.ts';
export { sameObservation, type Observation } from './observation.ts';
export {
  DEFAULT_FULL_REFRESH_INTERVALS,
  isPolled,
  jittered,
  pollIntervalMs,
  POLL_JITTER,
  type PollIntervals,
} from './poll-interval.ts';
export {
  ResolveError,
  TargetResolver,
  type ResolvedTarget,
  type TargetResolverOptions,
} from './target-resolver.ts';
