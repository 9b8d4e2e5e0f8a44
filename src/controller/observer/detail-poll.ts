import type { Logger } from 'pino';
import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import { kubeErrorInfo } from '../../kube/api-errors.ts';
import type { SecretReader } from '../../kube/secret-reader.ts';
import { isExpiredSecurityToken, PaiflowError } from '../../paiflow/index.ts';
import type { PaiflowGateway } from '../paiflow-gateway/index.ts';
import { isTerminal, type PollOutcome } from '../status/index.ts';
import { ResolveError, type ResolvedTarget, type TargetResolver } from './target-resolver.ts';

/** What one detail poll of a resource found. */
export interface DetailResult {
  outcome: PollOutcome;
  /** The failure is worth showing in status; false for a Secret that could not be read (retried quietly). */
  shown: boolean;
  /** A failure the server asked to retry no sooner than this. */
  retryAfterMs?: number;
  /** The endpoint and credentials used, when they could be resolved. */
  resolved?: ResolvedTarget;
}

export interface DetailPollerOptions {
  resolver: TargetResolver;
  secrets: SecretReader;
  gateway: PaiflowGateway;
  /** For what a status cannot say: the details of an unusable answer, failed polls at debug. */
  log: Logger;
}

/** How a detail call waits: the observer's stop signal, and whether a user is waiting for it. */
export interface DetailCall {
  signal: AbortSignal;
  urgent: boolean;
}

type Failed = Extract<PollOutcome, { kind: 'failed' }>;

/** The failure when PAIFlow still finds the STS token expired after the credentials were read afresh. */
function expiredAfterRefresh(resolved: ResolvedTarget): Failed {
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
export function unusableAnswer(error: unknown): Failed {
  const what = error instanceof Error ? error.name : 'a non-error value';
  return {
    kind: 'failed',
    reason: 'BadResponse',
    message: `PAIFlow's answer could not be turned into status (${what}); the controller keeps retrying with backoff, and its log has the details`,
    permanent: false,
  };
}

/** A Secret that could not be read for a reason other than permissions: retried quietly with backoff. */
class SecretReadFailure extends Error {
  readonly result: DetailResult;

  constructor(result: DetailResult) {
    super('reading Secrets failed');
    this.name = 'SecretReadFailure';
    this.result = result;
  }
}

/**
 * The detail call of one resource: ListPipelineRunNodeStatus with its depth and type (the node's
 * RuntimeInfo and its children), after resolving endpoint, credentials and share token, and the
 * run's root node (GetPipelineRun) when spec.nodeId is omitted and none is known yet. An expired STS
 * token makes it read the credentials afresh and try once more. Never throws for what a user can
 * fix or PAIFlow answers: every failure is an outcome.
 */
export class DetailPoller {
  readonly #o: DetailPollerOptions;

  constructor(options: DetailPollerOptions) {
    this.#o = options;
  }

  async poll(
    resource: PipelineRunNode,
    knownNodeId: string | undefined,
    call: DetailCall,
  ): Promise<DetailResult> {
    try {
      let resolved = await this.#resolve(resource);
      if ('kind' in resolved) return { shown: true, outcome: resolved };
      try {
        try {
          return {
            shown: true,
            resolved,
            outcome: await this.#observe(resource, knownNodeId, resolved, call),
          };
        } catch (error) {
          if (!isExpiredSecurityToken(error)) throw error;
          // STS tokens expire, and whoever renews them (a rotator writing the Secret, the credential
          // chain) may have done so since they were read: read them afresh and try once more.
          this.#o.log.info(
            { ...where(resource), code: (error as PaiflowError).code },
            'STS token expired: refreshing credentials',
          );
          resolved = await this.#refresh(resource, resolved);
          if ('kind' in resolved) return { shown: true, outcome: resolved };
          try {
            return {
              shown: true,
              resolved,
              outcome: await this.#observe(resource, knownNodeId, resolved, call),
            };
          } catch (again) {
            if (isExpiredSecurityToken(again))
              return { shown: true, resolved, outcome: expiredAfterRefresh(resolved) };
            throw again;
          }
        }
      } catch (error) {
        if (!(error instanceof PaiflowError)) {
          // An answer that broke the parser (or our handling of it) is a failed poll, said so in
          // Synced and counted, never a silent stop behind a Synced=True left from before.
          this.#o.log.error({ ...where(resource), err: error }, 'handling a PAIFlow answer failed');
          return { shown: true, resolved, outcome: unusableAnswer(error) };
        }
        this.#o.log.debug(
          { ...where(resource), reason: error.reason, code: error.code, httpStatus: error.httpStatus },
          'PAIFlow poll failed',
        );
        if (error.reason === 'Unauthorized' && resolved.credentialsSecret !== undefined) {
          // The Secret may have been fixed since it was cached: read it afresh next time.
          this.#o.secrets.invalidate(resolved.credentialsSecret.namespace, resolved.credentialsSecret.name);
        }
        return {
          shown: error.reason !== 'Cancelled',
          resolved,
          outcome: {
            kind: 'failed',
            reason: error.reason,
            message: error.message,
            permanent: error.kind === 'permanent' && error.reason !== 'Cancelled',
          },
          ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
        };
      }
    } catch (error) {
      if (error instanceof SecretReadFailure) return error.result;
      throw error;
    }
  }

  /** Endpoint, credentials and share token, or the failure that stops the poll. */
  async #resolve(resource: PipelineRunNode): Promise<ResolvedTarget | Failed> {
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
      throw new SecretReadFailure({
        shown: false,
        outcome: {
          kind: 'failed',
          reason: 'SecretReadFailed',
          message: `reading Secrets failed: ${info.summary}`,
          permanent: false,
        },
        ...(info.retryAfterMs !== undefined && { retryAfterMs: info.retryAfterMs }),
      });
    }
  }

  /** Resolves again with the credentials read afresh: the Secret from the API, the chain rebuilt. */
  async #refresh(resource: PipelineRunNode, stale: ResolvedTarget): Promise<ResolvedTarget | Failed> {
    if (stale.credentialsSecret === undefined) stale.target.credentials.refresh?.();
    else this.#o.secrets.invalidate(stale.credentialsSecret.namespace, stale.credentialsSecret.name);
    return this.#resolve(resource);
  }

  /** Asks PAIFlow about the tracked node (resolving the run's root node first when needed). */
  async #observe(
    resource: PipelineRunNode,
    knownNodeId: string | undefined,
    resolved: ResolvedTarget,
    call: DetailCall,
  ): Promise<PollOutcome> {
    const { spec } = resource;
    const { target, tokenId } = resolved;
    let nodeId = spec.nodeId ?? knownNodeId ?? resource.status?.nodeId;
    if (nodeId === undefined) {
      const run = await this.#o.gateway.getPipelineRun(
        target,
        { pipelineRunId: spec.pipelineRunId, ...(tokenId !== undefined && { tokenId }) },
        call,
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
        target,
        {
          pipelineRunId: spec.pipelineRunId,
          nodeId: trackedId,
          ...(depth !== undefined && { depth }),
          type,
          ...(tokenId !== undefined && { tokenId }),
        },
        call,
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
}

/** The resource's fields in a log line, as the reconciler's lines have them. */
function where(resource: PipelineRunNode): { namespace: string | undefined; name: string | undefined } {
  return { namespace: resource.metadata.namespace, name: resource.metadata.name };
}
