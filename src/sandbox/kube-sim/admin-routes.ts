import { badRequest, pathNotFound } from './errors.ts';
import type { FaultInjector, FaultSpec, LatencySpec } from './faults.ts';
import { isRecord } from './object-meta.ts';
import type { RequestCounters, RequestFilter } from './request-counters.ts';

/**
 * Test controls over HTTP under `/_sim/` (a prefix no Kubernetes path uses), for tests that drive
 * kube-sim from another process:
 *
 * - `GET /_sim/counters[?verb=&group=&resource=&subresource=]` → `{total, counters: [...]}`;
 *   `DELETE /_sim/counters` resets them.
 * - `POST /_sim/faults` `{code, count?, retryAfterSeconds?, verb?, group?, resource?, subresource?,
 *   namespace?, name?}`; `POST /_sim/latency` `{ms, ...matcher}`; `DELETE /_sim/faults` clears both.
 * - `POST /_sim/watches/close`, `POST /_sim/compact`, `POST /_sim/bookmarks`.
 */
export interface AdminTarget {
  counters: RequestCounters;
  faults: FaultInjector;
  closeWatches(): void;
  compact(): void;
  sendBookmarks(): void;
}

export function handleAdmin(
  target: AdminTarget,
  method: string,
  path: string,
  query: URLSearchParams,
  body: string,
): unknown {
  const json = (): Record<string, unknown> => {
    const parsed = body.trim() === '' ? {} : (JSON.parse(body) as unknown);
    if (!isRecord(parsed)) throw badRequest('expected a JSON object');
    return parsed;
  };
  const route = `${method} ${path}`;
  switch (route) {
    case 'GET /_sim/counters': {
      const filter: RequestFilter = {};
      for (const key of ['verb', 'group', 'resource', 'subresource'] as const) {
        const value = query.get(key);
        if (value !== null) filter[key] = value;
      }
      return { total: target.counters.count(filter), counters: target.counters.snapshot(filter) };
    }
    case 'DELETE /_sim/counters':
      target.counters.reset();
      return {};
    case 'POST /_sim/faults': {
      const spec = json();
      if (typeof spec.code !== 'number') throw badRequest('code: expected a number');
      target.faults.add(spec as unknown as FaultSpec);
      return {};
    }
    case 'POST /_sim/latency': {
      const spec = json();
      if (typeof spec.ms !== 'number') throw badRequest('ms: expected a number');
      target.faults.addLatency(spec as unknown as LatencySpec);
      return {};
    }
    case 'DELETE /_sim/faults':
      target.faults.clear();
      return {};
    case 'POST /_sim/watches/close':
      target.closeWatches();
      return {};
    case 'POST /_sim/compact':
      target.compact();
      return {};
    case 'POST /_sim/bookmarks':
      target.sendBookmarks();
      return {};
    default:
      throw pathNotFound();
  }
}
