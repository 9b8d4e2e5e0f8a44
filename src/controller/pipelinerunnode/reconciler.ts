import {
  API_VERSION,
  KIND,
  RECONCILE_ANNOTATION,
  type PipelineRunNode,
  type PipelineRunNodeStatus,
} from '../../api/v1alpha1.ts';
import type { Clock } from '../../clock/clock.ts';
import { isNotFound, kubeErrorInfo } from '../../kube/api-errors.ts';
import type { EventRecorder } from '../../kube/event-recorder.ts';
import type { PipelineRunNodeApi } from '../../kube/pipelinerunnode-api.ts';
import { splitKey } from '../controller.ts';
import { isPolled, unusableAnswer, type Observation } from '../observer/index.ts';
import { RetryableError, type ReconcileContext, type Reconciler, type Result } from '../reconcile-result.ts';
import {
  becameStalled,
  computeStatus,
  isReconcileRequestPending,
  isTerminal,
  statusEqual,
  transitions,
  type PollOutcome,
} from '../status/index.ts';
import { logStalled, logTransition } from './transition-log.ts';

/** What the reconciler needs of the observer (src/controller/observer). */
export interface ObservationSource {
  /** The latest observation answering the resource as it is, or undefined (one is then on its way). */
  sync(resource: PipelineRunNode): Observation | undefined;
  /** Stop observing the resource. */
  forget(key: string): void;
}

export interface PipelineRunNodeReconcilerOptions {
  /** The informer's cache: reconciles read current state here, never from the queue. */
  cache: { get(namespace: string, name: string): PipelineRunNode | undefined };
  api: PipelineRunNodeApi;
  observations: ObservationSource;
  events: EventRecorder;
  clock: Clock;
  /** The observer's wait after a permanent failure: the stalled log line says when it is retried. */
  stalledRetryMs: number;
  /** Told about Events the API refused (they never fail a reconcile). */
  onEventError?: (summary: string) => void;
  /** Told about every observation used (not about suspended resources, which are not polled), written or not. */
  onPoll?: (
    namespace: string,
    previous: PipelineRunNodeStatus | undefined,
    next: PipelineRunNodeStatus,
  ) => void;
  /**
   * Told about every status written, after the write succeeded: completions are counted here, so a
   * failed write counts nothing and a restart (starting from the stored status) counts nothing twice.
   */
  onStatusWritten?: (
    namespace: string,
    previous: PipelineRunNodeStatus | undefined,
    next: PipelineRunNodeStatus,
  ) => void;
}

/**
 * Keeps one PipelineRunNode's status true to what the observer saw in PAIFlow. It makes no PAIFlow
 * call: polling belongs to the observer, which enqueues the key when it has something new.
 *
 * 1. Read the resource from the cache (gone: forget it).
 * 2. A finished node is never polled again, unless its spec changed (generation) or a reconcile was
 *    requested with the `paiflow.dev/reconcile-requested-at` annotation; a suspended one not at all.
 * 3. Ask the observer for the latest observation that answers the resource as it is (its spec
 *    generation, its pending request); none yet: done, the observer enqueues the key once it has one.
 * 4. Compute the new status with the pure computeStatus; write it only when it differs.
 * 5. Emit the Events its transitions call for, after the write, so a failed write emits nothing and a
 *    restart (which starts from the stored status) repeats nothing.
 * Only a failed status write throws (RetryableError), so the key backs off.
 */
export class PipelineRunNodeReconciler implements Reconciler {
  readonly #o: PipelineRunNodeReconcilerOptions;

  constructor(options: PipelineRunNodeReconcilerOptions) {
    this.#o = options;
  }

  async reconcile(key: string, context: ReconcileContext): Promise<Result> {
    const [namespace, name] = splitKey(key);
    const resource = this.#o.cache.get(namespace, name);
    if (resource === undefined || resource.metadata.deletionTimestamp !== undefined) {
      this.#o.observations.forget(key);
      return {};
    }
    const previous = resource.status;
    const generation = resource.metadata.generation ?? 0;
    const requestedAt = resource.metadata.annotations?.[RECONCILE_ANNOTATION];
    const requestPending = isReconcileRequestPending(requestedAt, previous);
    const specChanged = previous?.observedGeneration !== generation;
    const suspended = resource.spec.suspend === true;

    if (!specChanged && !requestPending && !suspended && isTerminal(previous.phase ?? '')) {
      this.#o.observations.forget(key);
      return {}; // finished, and nothing asks for another look
    }
    let outcome: PollOutcome;
    let handled: string | undefined;
    if (suspended) {
      this.#o.observations.forget(key);
      outcome = { kind: 'suspended' };
    } else {
      const observation = this.#o.observations.sync(resource);
      if (observation === undefined) return {}; // the observer enqueues the key once it has answered
      outcome = observation.outcome;
      // A request is only handled by an observation made for it; without one pending, keep the echo.
      handled = requestPending ? observation.request : undefined;
    }
    const now = this.#o.clock.now();
    const compute = (): PipelineRunNodeStatus =>
      computeStatus({
        previous,
        generation,
        spec: resource.spec,
        outcome,
        now,
        reconcileRequestedAt: handled,
      });
    let next: PipelineRunNodeStatus;
    try {
      next = compute();
    } catch (error) {
      // An answer we could not turn into status is a failed poll, said so in Synced and counted,
      // never a silent retry behind a Synced=True left from before.
      context.log.error({ err: error }, 'computing status from a PAIFlow answer failed');
      outcome = unusableAnswer(error);
      next = compute();
    }
    if (!suspended) this.#o.onPoll?.(namespace, previous, next);

    if (!statusEqual(previous, next)) {
      try {
        // Conditional on the version `previous` came from: while the cache lags behind our own last
        // write, an unconditional write would rewrite status and repeat that write's Events on every
        // observation. A 409 is retried with backoff, by which time the cache has caught up.
        await this.#o.api.replaceStatus(
          { namespace, name, resourceVersion: resource.metadata.resourceVersion },
          next,
        );
      } catch (error) {
        if (isNotFound(error)) return {}; // deleted meanwhile
        const info = kubeErrorInfo(error);
        if (info.status === 403) {
          // Nothing in status can say so: the log must, loudly, until RBAC is fixed.
          context.log.error(
            { summary: info.summary },
            'status write forbidden: the controller needs patch on pipelinerunnodes/status (deploy/rbac)',
          );
        }
        throw new RetryableError({
          message: `status write failed: ${info.summary}`,
          reason: info.status === 409 ? 'Conflict' : 'StatusWriteFailed',
          retryAfterMs: info.retryAfterMs,
          cause: error,
        });
      }
      this.#o.onStatusWritten?.(namespace, previous, next);
      await this.#emit(resource, previous, next, context);
    }
    // Recorded for good: nothing more to observe until the spec changes or a reconcile is requested.
    if (!isPolled(resource.spec, next)) this.#o.observations.forget(key);
    return {};
  }

  async #emit(
    resource: PipelineRunNode,
    previous: PipelineRunNodeStatus | undefined,
    next: PipelineRunNodeStatus,
    context: ReconcileContext,
  ): Promise<void> {
    for (const event of transitions(previous, next)) {
      logTransition(context.log, event, next.nodeId);
      const result = await this.#o.events.record(
        { apiVersion: API_VERSION, kind: KIND, metadata: resource.metadata },
        { type: event.type, reason: event.reason, message: event.message },
      );
      if (!result.ok) this.#o.onEventError?.(result.summary);
    }
    const stalled = becameStalled(previous, next);
    if (stalled !== undefined) logStalled(context.log, stalled, this.#o.stalledRetryMs);
  }
}
