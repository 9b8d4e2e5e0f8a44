import type { ActiveFault, FaultSpec } from './fault-book.ts';
import type { RequestCounts } from './request-counts.ts';
import { NotFoundError } from './run-book.ts';
import { parseDurationMs } from '../../util/duration.ts';
import { OUTCOMES, ScenarioError, type Outcome, type RunSpec } from './scenario.ts';
import { ManualClockRequiredError, type ClockMode } from './scenario-clock.ts';

/** What the admin API drives: the simulator's own methods. */
export interface AdminTarget {
  putRuns(runs: unknown): RunSpec[];
  deleteRun(runId: string): boolean;
  setNodeOutcome(runId: string, nodeId: string, outcome: Outcome): void;
  runs(): object[];
  readonly clockMode: ClockMode;
  scenarioTimeMs(): number;
  advance(ms: number): void;
  setTime(ms: number): void;
  expireSecurityToken(accessKeyId: string): void;
  injectFault(spec: FaultSpec): ActiveFault;
  clearFaults(id?: string): number;
  faults(): ActiveFault[];
  counts(): RequestCounts;
  resetCounts(): void;
}

export interface AdminAnswer {
  status: number;
  body: unknown;
}

/**
 * The simulator's admin API, served unsigned under `/_sim` on the API's own listener (PAIFlow paths
 * all start with `/api/`, so the two cannot collide). Bodies are JSON; errors are `{"error": "..."}`
 * with 400 (invalid input), 404 (unknown run, node, fault or path) or 409 (clock not manual).
 *
 * | method and path                                  | body                                  | does |
 * |--------------------------------------------------|---------------------------------------|------|
 * | GET    /_sim/runs                                 |                                       | `{runs:[{PipelineRunId,Name,Status,NodeId}], scenarioTimeMs}` |
 * | POST   /_sim/runs                                 | a run, a list of runs, or `{runs:[…]}` (scenario schema) | add or replace; startAfter counts from now |
 * | DELETE /_sim/runs/{runId}                         |                                       | remove a run |
 * | POST   /_sim/runs/{runId}/nodes/{nodeId}/outcome  | `{"outcome":"fail"}`                  | the leaf node ends so now (succeed, fail, terminate, suspend) |
 * | POST   /_sim/access-keys/{accessKeyId}/expire     |                                       | that STS key's token is expired from now on |
 * | GET    /_sim/clock                                |                                       | `{mode, scenarioTimeMs}` |
 * | POST   /_sim/clock/advance                        | `{"by":"30s"}` or `{"ms":30000}`      | manual clock only |
 * | POST   /_sim/clock/set                            | `{"to":"5m"}` or `{"ms":300000}`      | manual clock only |
 * | GET    /_sim/faults                               |                                       | `{faults:[…]}` |
 * | POST   /_sim/faults                               | a FaultSpec (fault-book.ts)           | 201 `{fault}` with its id |
 * | DELETE /_sim/faults[/{id}]                        |                                       | `{cleared: n}` |
 * | GET    /_sim/counts                               |                                       | RequestCounts (request-counts.ts) |
 * | DELETE /_sim/counts                               |                                       | reset the counts |
 */
export function handleAdmin(target: AdminTarget, method: string, path: string, body: Buffer): AdminAnswer {
  try {
    return route(target, method, path.split('/').filter(Boolean).map(decodeURIComponent), body);
  } catch (error) {
    if (error instanceof NotFoundError) return { status: 404, body: { error: error.message } };
    if (error instanceof ManualClockRequiredError) return { status: 409, body: { error: error.message } };
    if (
      error instanceof ScenarioError ||
      error instanceof RangeError ||
      error instanceof SyntaxError ||
      error instanceof URIError
    ) {
      return { status: 400, body: { error: error.message } };
    }
    throw error;
  }
}

function json(body: Buffer): unknown {
  return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** `{"<durationField>":"30s"}` or `{"ms":30000}` → milliseconds. */
function millis(body: unknown, durationField: string): number {
  const text = field(body, durationField);
  const ms = typeof text === 'string' ? parseDurationMs(text) : field(body, 'ms');
  if (typeof ms !== 'number' || !(ms >= 0)) {
    throw new RangeError(`expected {"${durationField}":"30s"} or {"ms":30000}`);
  }
  return ms;
}

type Handler = (params: string[], body: Buffer) => AdminAnswer;

function ok(body: unknown, status = 200): AdminAnswer {
  return { status, body };
}

function routes(target: AdminTarget): [method: string, pattern: string, handler: Handler][] {
  return [
    ['GET', 'runs', () => ok({ runs: target.runs(), scenarioTimeMs: target.scenarioTimeMs() })],
    [
      'POST',
      'runs',
      (_, body) => {
        const parsed = json(body);
        return ok({ runs: target.putRuns(field(parsed, 'runs') ?? parsed).map((r) => r.id) });
      },
    ],
    [
      'DELETE',
      'runs/:',
      ([runId = '']) => {
        if (!target.deleteRun(runId)) throw new NotFoundError(`no run "${runId}"`);
        return ok({ deleted: runId });
      },
    ],
    [
      'POST',
      'runs/:/nodes/:/outcome',
      ([runId = '', nodeId = ''], body) => {
        const outcome = field(json(body), 'outcome');
        if (!OUTCOMES.includes(outcome as Outcome)) {
          throw new RangeError(
            `expected {"outcome": one of ${OUTCOMES.join(', ')}}, got ${JSON.stringify(outcome)}`,
          );
        }
        target.setNodeOutcome(runId, nodeId, outcome as Outcome);
        return ok({ runId, nodeId, outcome, scenarioTimeMs: target.scenarioTimeMs() });
      },
    ],
    [
      'POST',
      'access-keys/:/expire',
      ([accessKeyId = '']) => {
        target.expireSecurityToken(accessKeyId);
        return ok({ expired: accessKeyId });
      },
    ],
    ['GET', 'clock', () => ok({ mode: target.clockMode, scenarioTimeMs: target.scenarioTimeMs() })],
    [
      'POST',
      'clock/advance',
      (_, body) => {
        target.advance(millis(json(body), 'by'));
        return ok({ scenarioTimeMs: target.scenarioTimeMs() });
      },
    ],
    [
      'POST',
      'clock/set',
      (_, body) => {
        target.setTime(millis(json(body), 'to'));
        return ok({ scenarioTimeMs: target.scenarioTimeMs() });
      },
    ],
    ['GET', 'faults', () => ok({ faults: target.faults() })],
    ['POST', 'faults', (_, body) => ok({ fault: target.injectFault(json(body) as FaultSpec) }, 201)],
    ['DELETE', 'faults', () => ok({ cleared: target.clearFaults() })],
    [
      'DELETE',
      'faults/:',
      ([id = '']) => {
        const cleared = target.clearFaults(id);
        if (cleared === 0) throw new NotFoundError(`no fault "${id}"`);
        return ok({ cleared });
      },
    ],
    ['GET', 'counts', () => ok(target.counts())],
    [
      'DELETE',
      'counts',
      () => {
        target.resetCounts();
        return ok({ reset: true });
      },
    ],
  ];
}

/** The `:` segments of `pattern` when `parts` match it, else undefined. */
function matchPattern(pattern: string, parts: readonly string[]): string[] | undefined {
  const want = pattern.split('/');
  if (want.length !== parts.length) return undefined;
  const params: string[] = [];
  for (const [i, segment] of want.entries()) {
    const part = parts[i] ?? '';
    if (segment === ':') params.push(part);
    else if (segment !== part) return undefined;
  }
  return params;
}

function route(target: AdminTarget, method: string, parts: string[], body: Buffer): AdminAnswer {
  for (const [routeMethod, pattern, handler] of routes(target)) {
    const params = routeMethod === method ? matchPattern(pattern, parts) : undefined;
    if (params) return handler(params, body);
  }
  throw new NotFoundError(`no admin route ${method} /_sim/${parts.join('/')}`);
}
