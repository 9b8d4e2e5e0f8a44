/** Requests the simulator received, by dimension. A batch request counts once for each run and node it names. */
export interface RequestCounts {
  total: number;
  /** Operation name, or `unknown` for a path or method no operation serves. */
  byOperation: Record<string, number>;
  byRun: Record<string, number>;
  /** Keyed `<PipelineRunId>/<NodeId>`. */
  byNode: Record<string, number>;
  /** The AccessKeyId the Authorization header names (valid or not), or `(none)`. */
  byAccessKey: Record<string, number>;
  /** The answer: `OK`, an error Code, or `fault:<kind>` for badGateway, reset, malformedJson, truncatedBody and hang. */
  byOutcome: Record<string, number>;
}

export interface RequestIdentity {
  operation: string;
  runIds: readonly string[];
  nodes: readonly string[];
  accessKeyId: string | undefined;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Counts requests as they arrive, and their outcomes as they are answered. */
export class RequestCounter {
  #counts = RequestCounter.#empty();

  static #empty(): RequestCounts {
    return { total: 0, byOperation: {}, byRun: {}, byNode: {}, byAccessKey: {}, byOutcome: {} };
  }

  arrived(request: RequestIdentity): void {
    this.#counts.total += 1;
    bump(this.#counts.byOperation, request.operation);
    for (const runId of new Set(request.runIds)) bump(this.#counts.byRun, runId);
    for (const node of new Set(request.nodes)) bump(this.#counts.byNode, node);
    bump(this.#counts.byAccessKey, request.accessKeyId ?? '(none)');
  }

  answered(outcome: string): void {
    bump(this.#counts.byOutcome, outcome);
  }

  /** A deep copy: callers may keep it while counting goes on. */
  snapshot(): RequestCounts {
    return structuredClone(this.#counts);
  }

  reset(): void {
    this.#counts = RequestCounter.#empty();
  }
}
