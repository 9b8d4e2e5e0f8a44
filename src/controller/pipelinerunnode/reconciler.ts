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
import type { SecretReader } from '../../kube/secret-reader.ts';
import { isExpiredSecurityToken, PaiflowError } from '../../paiflow/index.ts';
import { splitKey } from '../controller.ts';
import type { PaiflowGateway } from '../paiflow-gateway/index.ts';
import { RetryableError, type ReconcileContext, type Reconciler, type Result } from '../reconcile-result.ts';
import {
  becameStalled,
  computeStatus,
  isReconcileRequestPending,
  isTerminal,
  nextPollDelay,
  statusEqual,
  transitions,
  type PollOutcome,
} from '../status/index.ts';
import { logStalled, logTransition } from './transition-log.ts';
import { ResolveError, type ResolvedTarget, type TargetResolver } from './target-resolver.ts';

export interface PipelineRunNodeReconcilerOptions {
  /** The informer's cache: reconciles read current state here, never from the queue. */
  cache: { get(namespace: string, name: string): PipelineRunNode | undefined };
  api: PipelineRunNodeApi;
  resolver: TargetResolver;
  secrets: SecretReader;
  gateway: PaiflowGateway;
  events: EventRecorder;
  clock: Clock;
  defaultPollIntervalMs: number;
  minPollIntervalMs: number;
  /** Retry interval for problems only a change of spec, Secret or permissions can fix. */
  stalledRetryMs: number;
  /** [0, 1), for poll jitter. @default Math.random */
  random?: () => number;
  /** Told about Events the API refused (they never fail a reconcile). */
  onEventError?: (summary: string) => void;
  /** Told about every poll (not about suspended resources, which are not polled), written or not. */
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

/** The failure when PAIFlow still finds the STS token expired after the credentials were read afresh. */
function expiredAfterRefresh(resolved: ResolvedTarget): Extract<PollOutcome, { kind: 'failed' }> {
  const secret = resolved.credentialsSecret;
  return {
    kind: 'failed',
    reason: 'Unauthorized',
    permanent: true,
    message:
      secret === undefined
        ? "the controller's own STS credentials have expired, and the default credential chain gave no fresh ones: check its source (RRSA token file, role, profile)"
        : `the STS security token in Secret ${secret.namespace}/${secret.name} (key securityToken) has expired, and re-reading the Secret gave no fresh one: renew securityToken together with the AccessKey pair issued with it`,
  };
}

/** The failure for an answer that could not be parsed or turned into status (e.g. absurdly nested). */
function unusableAnswer(error: unknown): Extract<PollOutcome, { kind: 'failed' }> {
  const what = error instanceof Error ? error.name : 'a non-error value';
  return {
    kind: 'failed',
    reason: 'BadResponse',
    message: `PAIFlow's answer could not be turned into status (${what}); the controller keeps retrying with backoff, and its log has the details`,
    permanent: false,
  };
}

/**
 * Keeps one PipelineRunNode's status true to PAIFlow.
 *
 * 1. Read the resource from the cache (gone: nothing to do).
 * 2. Decide whether to poll: never a finished node again, unless its spec changed (generation) or a
 *    reconcile was requested with the `paiflow.dev/reconcile-requested-at` annotation.
 * 3. Resolve endpoint, credentials and share token; resolve the run's root node when spec.nodeId is
 *    omitted (remembered in status.nodeId afterwards).
 * 4. Poll through the gateway (rate limit, concurrency limit, single-flight).
 * 5. Compute the new status with the pure computeStatus; write it only when it differs.
 * 6. Emit the Events its transitions call for, after the write, so a failed write emits nothing and a
 *    restart (which starts from the stored status) repeats nothing.
 * 7. Return when to poll next; throw RetryableError for throttled and transient failures so the key
 *    backs off (honouring retry-after), after recording the failure in status.
 */
export class PipelineRunNodeReconciler implements Reconciler {
  readonly #o: PipelineRunNodeReconcilerOptions;
  readonly #random: () => number;

  constructor(options: PipelineRunNodeReconcilerOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
  }

  async reconcile(key: string, context: ReconcileContext): Promise<Result> {
    const [namespace, name] = splitKey(key);
    const resource = this.#o.cache.get(namespace, name);
    if (resource === undefined || resource.metadata.deletionTimestamp !== undefined) return {};
    const previous = resource.status;
    const generation = resource.metadata.generation ?? 0;
    const requestedAt = resource.metadata.annotations?.[RECONCILE_ANNOTATION];
    const requestPending = isReconcileRequestPending(requestedAt, previous);
    const specChanged = previous?.observedGeneration !== generation;

    if (
      !specChanged &&
      !requestPending &&
      resource.spec.suspend !== true &&
      isTerminal(previous.phase ?? '')
    ) {
      return {}; // finished, and nothing asks for another look
    }

    let outcome: PollOutcome & { retryAfterMs?: number } =
      resource.spec.suspend === true ? ({ kind: 'suspended' } as const) : await this.#poll(resource, context);
    const now = this.#o.clock.now();
    const compute = (): PipelineRunNodeStatus =>
      computeStatus({
        previous,
        generation,
        spec: resource.spec,
        outcome,
        now,
        // A request is only handled by a poll: while suspended it waits.
        reconcileRequestedAt: outcome.kind === 'suspended' ? undefined : requestedAt,
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
    if (outcome.kind !== 'suspended') this.#o.onPoll?.(namespace, previous, next);

    if (!statusEqual(previous, next)) {
      try {
        // Conditional on the version `previous` came from: while the cache lags behind our own last
        // write, an unconditional write would rewrite status and repeat that write's Events on every
        // poll. A 409 is retried with backoff, by which time the cache has caught up.
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

    if (outcome.kind === 'failed') {
      if (outcome.permanent) return { requeueAfterMs: this.#o.stalledRetryMs };
      throw new RetryableError({
        message: outcome.message,
        reason: outcome.reason,
        retryAfterMs: outcome.retryAfterMs,
      });
    }
    const delay = nextPollDelay({
      status: next,
      spec: resource.spec,
      defaultIntervalMs: this.#o.defaultPollIntervalMs,
      minIntervalMs: this.#o.minPollIntervalMs,
      random: this.#random,
    });
    return delay === undefined ? {} : { requeueAfterMs: delay };
  }

  async #poll(
    resource: PipelineRunNode,
    context: ReconcileContext,
  ): Promise<PollOutcome & { retryAfterMs?: number }> {
    let resolved = await this.#resolve(resource);
    if ('kind' in resolved) return resolved;
    try {
      try {
        return await this.#observe(resource, resolved, context);
      } catch (error) {
        if (!isExpiredSecurityToken(error)) throw error;
        // STS tokens expire, and whoever renews them (a rotator writing the Secret, the credential
        // chain) may have done so since they were read: read them afresh and try once more.
        context.log.info({ code: (error as PaiflowError).code }, 'STS token expired: refreshing credentials');
        resolved = await this.#refresh(resource, resolved);
        if ('kind' in resolved) return resolved;
        try {
          return await this.#observe(resource, resolved, context);
        } catch (again) {
          if (isExpiredSecurityToken(again)) return expiredAfterRefresh(resolved);
          throw again;
        }
      }
    } catch (error) {
      if (error instanceof RetryableError) throw error;
      if (!(error instanceof PaiflowError)) {
        context.log.error({ err: error }, 'handling a PAIFlow answer failed');
        return unusableAnswer(error);
      }
      if (error.reason === 'Cancelled')
        throw new RetryableError({ message: 'poll cancelled', reason: 'Cancelled', cause: error });
      if (error.reason === 'Unauthorized' && resolved.credentialsSecret !== undefined) {
        // The Secret may have been fixed since it was cached: read it afresh next time.
        this.#o.secrets.invalidate(resolved.credentialsSecret.namespace, resolved.credentialsSecret.name);
      }
      context.log.debug(
        { reason: error.reason, code: error.code, httpStatus: error.httpStatus },
        'PAIFlow poll failed',
      );
      return {
        kind: 'failed',
        reason: error.reason,
        message: error.message,
        permanent: error.kind === 'permanent',
        ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
      };
    }
  }

  /** Endpoint, credentials and share token, or the failure that stops the poll. */
  async #resolve(
    resource: PipelineRunNode,
  ): Promise<ResolvedTarget | Extract<PollOutcome, { kind: 'failed' }>> {
    try {
      return await this.#o.resolver.resolve(resource);
    } catch (error) {
      if (error instanceof ResolveError)
        return { kind: 'failed', reason: error.reason, message: error.message, permanent: true };
      const info = kubeErrorInfo(error);
      if (info.status === 403) {
        return {
          kind: 'failed',
          reason: 'Forbidden',
          message: `reading a Secret was forbidden (${info.summary}): grant the controller get on secrets in this namespace`,
          permanent: true,
        };
      }
      throw new RetryableError({
        message: `reading Secrets failed: ${info.summary}`,
        reason: 'SecretReadFailed',
        retryAfterMs: info.retryAfterMs,
        cause: error,
      });
    }
  }

  /** Resolves again with the credentials read afresh: the Secret from the API, the chain rebuilt. */
  async #refresh(
    resource: PipelineRunNode,
    stale: ResolvedTarget,
  ): Promise<ResolvedTarget | Extract<PollOutcome, { kind: 'failed' }>> {
    if (stale.credentialsSecret === undefined) stale.target.credentials.refresh?.();
    else this.#o.secrets.invalidate(stale.credentialsSecret.namespace, stale.credentialsSecret.name);
    return this.#resolve(resource);
  }

  /** Asks PAIFlow about the tracked node (resolving the run's root node first when needed). */
  async #observe(
    resource: PipelineRunNode,
    resolved: ResolvedTarget,
    context: ReconcileContext,
  ): Promise<PollOutcome> {
    const { spec } = resource;
    const tokenId = resolved.tokenId;
    let nodeId = spec.nodeId ?? resource.status?.nodeId;
    if (nodeId === undefined) {
      const run = await this.#o.gateway.getPipelineRun(
        resolved.target,
        { pipelineRunId: spec.pipelineRunId, ...(tokenId !== undefined && { tokenId }) },
        { signal: context.signal },
      );
      if (run.nodeId === undefined) {
        // A run that failed before it was scheduled, or was terminated while queued, never gets a
        // root node: its own status is all there will ever be to report.
        return isTerminal(run.status)
          ? { kind: 'runEnded', status: run.status, finishedAt: run.finishedAt, message: run.message }
          : {
              kind: 'pending',
              message: `pipeline run ${spec.pipelineRunId} has not started yet: it has no root node`,
            };
      }
      nodeId = run.nodeId;
    }
    const trackedId = nodeId;
    const query = (type: 'Logical' | 'Physical', depth: number | undefined) =>
      this.#o.gateway.listPipelineRunNodeStatus(
        resolved.target,
        {
          pipelineRunId: spec.pipelineRunId,
          nodeId: trackedId,
          ...(depth !== undefined && { depth }),
          type,
          ...(tokenId !== undefined && { tokenId }),
        },
        { signal: context.signal },
      );
    if (spec.type !== 'Physical') {
      return { kind: 'observed', nodeId: trackedId, nodes: (await query('Logical', spec.depth)).nodes };
    }
    // Type=Physical lists the containers' nodes, not the logical node itself, whose status is what
    // `phase` and the conditions report: ask for it too (Depth 1), and show the physical nodes as its
    // children. The logical answer is the one that matters: a failed physical query only leaves the
    // children as last observed, and says so.
    const [logical, physical] = await Promise.allSettled([
      query('Logical', 1),
      query('Physical', spec.depth),
    ]);
    if (logical.status === 'rejected') throw logical.reason;
    const tracked = logical.value.nodes.filter((n) => n.nodeId === trackedId);
    if (physical.status === 'fulfilled') {
      return {
        kind: 'observed',
        nodeId: trackedId,
        nodes: [...tracked, ...physical.value.nodes.filter((n) => n.nodeId !== trackedId)],
      };
    }
    const error: unknown = physical.reason;
    if (!(error instanceof PaiflowError) || error.reason === 'Cancelled' || isExpiredSecurityToken(error)) {
      throw error;
    }
    return {
      kind: 'observed',
      nodeId: trackedId,
      nodes: tracked,
      detailMissing: { reason: error.reason, message: error.message },
    };
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
