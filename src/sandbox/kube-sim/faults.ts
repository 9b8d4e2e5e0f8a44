import type { KubeError } from './errors.ts';
import {
  expired,
  internalError,
  staleResourceVersion,
  tooManyRequests,
  KubeError as ApiError,
} from './errors.ts';
import type { RequestKey } from './request-counters.ts';

/**
 * Fault injection for tests: fail the next N requests matching a verb/resource with a given
 * status, and add latency. Faults are consumed in the order they were added.
 */

/** Which requests a fault or latency applies to; absent fields match anything. */
export interface RequestMatcher {
  verb?: string;
  group?: string;
  resource?: string;
  /** '' matches the main resource only. */
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface FaultSpec extends RequestMatcher {
  /** 429 (with Retry-After), 500, 409, 410, or any other 4xx/5xx. */
  code: number;
  /** How many matching requests fail (default 1). */
  count?: number;
  /** For 429 (default 1). */
  retryAfterSeconds?: number;
}

export interface LatencySpec extends RequestMatcher {
  ms: number;
}

/** The request a fault is checked against. */
export interface FaultTarget extends RequestKey {
  namespace: string;
  name: string;
}

const matcherKeys = ['verb', 'group', 'resource', 'subresource', 'namespace', 'name'] as const;

function matches(matcher: RequestMatcher, target: FaultTarget): boolean {
  return matcherKeys.every((k) => matcher[k] === undefined || matcher[k] === target[k]);
}

/** The Status a fault answers with, worded like the real condition it imitates. */
export function faultError(spec: FaultSpec, target: FaultTarget): KubeError {
  const gr = { group: target.group, resource: target.resource };
  switch (spec.code) {
    case 429:
      return tooManyRequests(spec.retryAfterSeconds ?? 1);
    case 500:
      return internalError('injected fault');
    case 409:
      return staleResourceVersion(gr, target.name);
    case 410:
      return expired('too old resource version: 1 (2)');
    default:
      return new ApiError({
        message: `injected fault (${spec.code})`,
        reason: 'InternalError',
        code: spec.code,
      });
  }
}

export class FaultInjector {
  readonly #faults: Array<FaultSpec & { remaining: number }> = [];
  readonly #latencies: LatencySpec[] = [];

  /** Fails the next `spec.count` (default 1) requests matching `spec`. */
  add(spec: FaultSpec): void {
    this.#faults.push({ ...spec, remaining: spec.count ?? 1 });
  }

  /** Delays every request matching `spec` by `spec.ms` until cleared. */
  addLatency(spec: LatencySpec): void {
    this.#latencies.push(spec);
  }

  clear(): void {
    this.#faults.length = 0;
    this.#latencies.length = 0;
  }

  /** Consumes and returns the fault for this request, if one matches. */
  take(target: FaultTarget): FaultSpec | undefined {
    const index = this.#faults.findIndex((f) => f.remaining > 0 && matches(f, target));
    const fault = this.#faults[index];
    if (fault === undefined) return undefined;
    fault.remaining--;
    if (fault.remaining === 0) this.#faults.splice(index, 1);
    return fault;
  }

  /** Total added latency for this request, in milliseconds. */
  latency(target: FaultTarget): number {
    return this.#latencies.filter((l) => matches(l, target)).reduce((sum, l) => sum + l.ms, 0);
  }
}
