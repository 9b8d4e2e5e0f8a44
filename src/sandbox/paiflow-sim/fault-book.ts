import type { Operation } from './operations.ts';

/**
 * Injected faults:
 * - `latency`: the answer is delayed by `latencyMs` (then served normally);
 * - `internalError` / `serviceUnavailable`: 500 `InternalError` / 503 `ServiceUnavailable` in Alibaba's error body;
 * - `throttling`: `Throttling.User` with the configured throttling status and retry-after;
 * - `forbidden`: 403 `Forbidden.RAM`, as for a RAM policy that does not grant the action;
 * - `badGateway`: 502 with an nginx-style HTML page, not Alibaba's JSON, as a gateway in front of PAIFlow answers;
 * - `reset`: the TCP connection is reset (RST) without an answer;
 * - `malformedJson`: 200 with a body that is not valid JSON (consistent Content-Length);
 * - `truncatedBody`: 200 declaring the full Content-Length, then the connection closes halfway;
 * - `hang`: no response headers ever; the request is held until `close()`.
 */
export const FAULT_KINDS = [
  'latency',
  'internalError',
  'serviceUnavailable',
  'throttling',
  'forbidden',
  'badGateway',
  'reset',
  'malformedJson',
  'truncatedBody',
  'hang',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** Only requests for this operation; default all. */
  operation?: Operation;
  /** Only requests naming this run (in the path, or in a batch body); default all. */
  pipelineRunId?: string;
  /** Only ListPipelineRunNodeStatus requests with this `Type` (absent counts as Logical); default all. */
  nodeType?: 'Logical' | 'Physical';
  /** Only the next N matching requests; default every matching request until cleared. */
  count?: number;
  /** For `latency`: the delay in wall milliseconds. */
  latencyMs?: number;
}

export interface ActiveFault extends FaultSpec {
  id: string;
  /** Matching requests it applied to so far. */
  hits: number;
}

/** Checks a fault given as plain data (admin API body or options); throws a RangeError naming the field. */
export function validateFaultSpec(value: unknown, operations: readonly string[]): FaultSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RangeError('fault: expected an object such as {"kind":"serviceUnavailable","count":2}');
  }
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter(
    (k) => !['kind', 'operation', 'pipelineRunId', 'nodeType', 'count', 'latencyMs'].includes(k),
  );
  if (unknown.length > 0) throw new RangeError(`fault: unknown field(s) ${unknown.join(', ')}`);
  if (!FAULT_KINDS.includes(o.kind as FaultKind)) {
    throw new RangeError(
      `fault.kind: expected one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(o.kind)}`,
    );
  }
  if (o.operation !== undefined && !operations.includes(o.operation as string)) {
    throw new RangeError(
      `fault.operation: expected one of ${operations.join(', ')}, got ${JSON.stringify(o.operation)}`,
    );
  }
  if (o.pipelineRunId !== undefined && typeof o.pipelineRunId !== 'string') {
    throw new RangeError('fault.pipelineRunId: expected a string');
  }
  if (o.nodeType !== undefined && o.nodeType !== 'Logical' && o.nodeType !== 'Physical') {
    throw new RangeError(`fault.nodeType: expected Logical or Physical, got ${JSON.stringify(o.nodeType)}`);
  }
  if (o.count !== undefined && !(Number.isInteger(o.count) && (o.count as number) > 0)) {
    throw new RangeError(`fault.count: expected an integer > 0, got ${JSON.stringify(o.count)}`);
  }
  const latencyOk = typeof o.latencyMs === 'number' && o.latencyMs >= 0 && Number.isFinite(o.latencyMs);
  if (o.kind === 'latency' ? !latencyOk : o.latencyMs !== undefined) {
    throw new RangeError('fault.latencyMs: required for (and only for) kind "latency": milliseconds >= 0');
  }
  return o as unknown as FaultSpec;
}

/** The faults in force; `take` consumes counts as requests match. */
export class FaultBook {
  readonly #faults: ActiveFault[] = [];
  #nextId = 1;

  add(spec: FaultSpec): ActiveFault {
    const fault: ActiveFault = { ...spec, id: `fault-${this.#nextId++}`, hits: 0 };
    this.#faults.push(fault);
    return fault;
  }

  /** Removes one fault by id, or all of them; returns how many were removed. */
  clear(id?: string): number {
    const before = this.#faults.length;
    const keep = this.#faults.filter((f) => id !== undefined && f.id !== id);
    this.#faults.splice(0, this.#faults.length, ...keep);
    return before - keep.length;
  }

  list(): ActiveFault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /**
   * The faults that apply to this request: every matching latency (their delays add up) and the first
   * matching other fault. Each applied fault counts one hit; a fault whose count is used up is removed.
   */
  take(
    operation: Operation,
    runIds: readonly string[],
    nodeType?: string,
  ): { latencyMs: number; fault: ActiveFault | undefined } {
    const matches = this.#faults.filter(
      (f) =>
        (f.operation === undefined || f.operation === operation) &&
        (f.pipelineRunId === undefined || runIds.includes(f.pipelineRunId)) &&
        (f.nodeType === undefined ||
          (operation === 'ListPipelineRunNodeStatus' && f.nodeType === (nodeType ?? 'Logical'))),
    );
    const latencies = matches.filter((f) => f.kind === 'latency');
    const fault = matches.find((f) => f.kind !== 'latency');
    const applied = fault ? [...latencies, fault] : latencies;
    for (const f of applied) {
      f.hits += 1;
      if (f.count !== undefined && f.hits >= f.count) this.clear(f.id);
    }
    return { latencyMs: latencies.reduce((sum, f) => sum + (f.latencyMs ?? 0), 0), fault };
  }
}
