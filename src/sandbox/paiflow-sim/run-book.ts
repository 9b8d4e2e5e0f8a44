import type { Outcome, RunSpec, ScenarioSettings } from './scenario.ts';
import { isLeafNode, planRun, type Intervention, type RunTimeline } from './status-model.ts';

/** A run or node the caller named does not exist (admin API: 404). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export interface RunEntry {
  spec: RunSpec;
  /** Scenario time the run was created at (0 for the scenario file's runs). */
  createdAtMs: number;
  interventions: readonly Intervention[];
  /** Planned once per change; the status at any instant is read from it (status-model.ts). */
  timeline: RunTimeline;
}

/** The runs being simulated, with the interventions made on them. */
export class RunBook {
  readonly settings: ScenarioSettings;
  readonly #runs = new Map<string, RunEntry>();

  constructor(settings: ScenarioSettings) {
    this.settings = settings;
  }

  /** Adds a run, or replaces the run with the same id (forgetting its interventions). */
  put(spec: RunSpec, createdAtMs: number): void {
    this.#runs.set(spec.id, {
      spec,
      createdAtMs,
      interventions: [],
      timeline: planRun(spec, createdAtMs, this.settings),
    });
  }

  delete(id: string): boolean {
    return this.#runs.delete(id);
  }

  get(id: string): RunEntry | undefined {
    return this.#runs.get(id);
  }

  entries(): RunEntry[] {
    return [...this.#runs.values()];
  }

  /**
   * From scenario time `atMs` on, the leaf node ends with `outcome` (a node that has already ended is
   * not changed: the past stays as it was shown). Throws NotFoundError for an unknown run or a node that
   * is not a leaf of it.
   */
  intervene(runId: string, nodeId: string, outcome: Outcome, atMs: number): void {
    const entry = this.#runs.get(runId);
    if (!entry) throw new NotFoundError(`no run "${runId}"`);
    if (!isLeafNode(entry.spec, nodeId)) {
      throw new NotFoundError(
        `run "${runId}" has no leaf node "${nodeId}" (nodes with children take their status from them)`,
      );
    }
    const interventions = [...entry.interventions, { nodeId, outcome, atMs }];
    this.#runs.set(runId, {
      ...entry,
      interventions,
      timeline: planRun(entry.spec, entry.createdAtMs, this.settings, interventions),
    });
  }
}
