import fc from 'fast-check';
import { propertyRuns } from '../../../test/support/property-runs.ts';
import type { PipelineRunNodeSpec, PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { admitStatus } from '../../api/crd.test-helper.ts';
import { PaiflowError } from '../../paiflow/errors.ts';
import {
  answerObject,
  hugeString,
  nodeIdPool,
  paiStatus,
  responseText,
  timestamp,
} from '../../paiflow/pai-arbitraries.test-helper.ts';
import { parseGetPipelineRun, parseListPipelineRunNodeStatus } from '../../paiflow/parse.ts';
import { computeStatus, type PollOutcome } from './compute-status.ts';
import type { StatusLimits } from './limits.ts';
import { isKnownPaiStatus } from './pai-status.ts';
import { statusEqual } from './status-equal.ts';

/**
 * Whatever PAIFlow answers goes the way the reconciler sends it: the body through the real parser,
 * its answer (or its PaiflowError) into computeStatus, poll after poll. The status must always be one
 * the API server accepts (the CRD bounds every field), keep what PAI said visible, and be steady:
 * the same poll again computes an equal status (no write).
 */

const T0 = Date.parse('2025-03-01T10:00:00Z');
/** Far above what the CRD's bounds allow in all (about 250 KB), far below etcd's 1.5 MiB. */
const MAX_STATUS_BYTES = 300_000;

const text = fc.oneof({ weight: 4, arbitrary: fc.string() }, { weight: 1, arbitrary: hugeString });

/** One poll: a body as PAIFlow might send it, or one of the outcomes that carry no body. */
const poll: fc.Arbitrary<{ body: string } | { outcome: PollOutcome }> = fc.oneof(
  { weight: 6, arbitrary: answerObject.map((o) => ({ body: JSON.stringify(o) })) },
  { weight: 1, arbitrary: responseText.map((body) => ({ body })) },
  {
    weight: 1,
    arbitrary: fc.record({ reason: fc.string(), message: text, permanent: fc.boolean() }).map((failure) => ({
      outcome: { kind: 'failed' as const, ...failure },
    })),
  },
  { weight: 1, arbitrary: text.map((message) => ({ outcome: { kind: 'pending' as const, message } })) },
  {
    weight: 1,
    // A run that ended without a root node, as GetPipelineRun (through the real parser) tells it.
    arbitrary: fc
      .record({ Status: paiStatus, FinishedAt: timestamp, Message: text }, { requiredKeys: [] })
      .map((fields) => {
        const run = parseGetPipelineRun(JSON.stringify({ PipelineRunId: 'flow-1', ...fields }));
        const outcome: PollOutcome = {
          kind: 'runEnded',
          status: run.status,
          finishedAt: run.finishedAt,
          message: run.message,
        };
        return { outcome };
      }),
  },
  { weight: 1, arbitrary: fc.constant({ outcome: { kind: 'suspended' as const } }) },
);

const limits: fc.Arbitrary<Partial<StatusLimits>> = fc.record(
  {
    maxChildren: fc.integer({ min: 0, max: 100 }),
    maxRuntimeInfoKeys: fc.integer({ min: 0, max: 64 }),
    maxRuntimeInfoValueLength: fc.integer({ min: 8, max: 1024 }),
    maxRuntimeInfoRawLength: fc.integer({ min: 8, max: 4096 }),
    syncRefreshIntervalMs: fc.integer({ min: 0, max: 86_400_000 }),
  },
  { requiredKeys: [] },
);

/** What the reconciler makes of a body: the parsed answer, or the parser's PaiflowError as a failure. */
function outcomeOf(step: { body: string } | { outcome: PollOutcome }, nodeId: string): PollOutcome {
  if ('outcome' in step) return step.outcome;
  try {
    return { kind: 'observed', nodeId, nodes: parseListPipelineRunNodeStatus(step.body).nodes };
  } catch (error) {
    if (!(error instanceof PaiflowError)) throw error;
    return {
      kind: 'failed',
      reason: error.reason,
      message: error.message,
      permanent: error.kind === 'permanent',
    };
  }
}

function expectAdmitted(spec: PipelineRunNodeSpec, status: PipelineRunNodeStatus): void {
  const { causes, unknownFields } = admitStatus(spec, status);
  expect({ causes, unknownFields }).toEqual({ causes: [], unknownFields: [] });
  expect(JSON.stringify(status).length).toBeLessThanOrEqual(MAX_STATUS_BYTES);
}

/** PAI's value as status shows it: verbatim, or its start when it is longer than the field. */
function expectVisible(shown: string | undefined, sent: string, max: number): void {
  if (sent.length <= max) expect(shown).toBe(sent);
  else expect(shown?.slice(0, max - 4)).toBe(sent.slice(0, max - 4));
}

/** The status of a Running node whose RuntimeInfo PAIFlow sent as `raw`, through the real parser. */
function runningWith(raw: string, maxRuntimeInfoKeys?: number): PipelineRunNodeStatus {
  const body = JSON.stringify({ Status: [{ NodeId: 'node-1', Status: 'Running', RuntimeInfo: raw }] });
  return computeStatus({
    generation: 1,
    spec: { pipelineRunId: 'flow-1', nodeId: 'node-1' },
    outcome: { kind: 'observed', nodeId: 'node-1', nodes: parseListPipelineRunNodeStatus(body).nodes },
    now: T0,
    ...(maxRuntimeInfoKeys !== undefined && { limits: { maxRuntimeInfoKeys } }),
  });
}

describe('computeStatus, fed whatever PAIFlow sends, poll after poll', () => {
  test('admitted by the CRD, what PAI said visible, steady when nothing changes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('node-1', 'node-2'),
        fc.boolean(),
        limits,
        fc.array(fc.tuple(poll, fc.integer({ min: 0, max: 600_000 })), { minLength: 1, maxLength: 2 }),
        (nodeId, namedInSpec, overrides, polls) => {
          const spec: PipelineRunNodeSpec = { pipelineRunId: 'flow-1', ...(namedInSpec && { nodeId }) };
          let previous: PipelineRunNodeStatus | undefined;
          let now = T0;
          for (const [step, elapsed] of polls) {
            now += elapsed;
            const outcome = outcomeOf(step, nodeId);
            const input = { previous, generation: 1, spec, outcome, now, limits: overrides };
            const status = computeStatus(input);
            expectAdmitted(spec, status);
            if (outcome.kind === 'observed') {
              const tracked = outcome.nodes.find((n) => n.nodeId === nodeId);
              if (tracked !== undefined) {
                expectVisible(status.phase, tracked.status, 64);
                for (const child of status.children ?? []) {
                  const sent = outcome.nodes.find((n) =>
                    n.nodeId.startsWith(child.nodeId.replace(/\.\.\.$/, '')),
                  );
                  expect(sent).toBeDefined();
                }
              }
            }
            // The same poll again, at once: nothing to write.
            expect(statusEqual(computeStatus({ ...input, previous: status }), status)).toBe(true);
            previous = status;
          }
        },
      ),
      propertyRuns(),
    );
  });

  test('unknown and huge statuses of the tracked node and its children stay visible', () => {
    fc.assert(
      fc.property(
        paiStatus.filter((s) => s !== ''),
        fc.array(
          fc.tuple(
            nodeIdPool.filter((id) => id.trim() === id && id !== ''),
            paiStatus,
          ),
          { maxLength: 8 },
        ),
        (status, children) => {
          const nodes = [
            { nodeId: 'node-1', nodeName: 'n', status, runtimeInfo: { raw: '' } },
            ...children.map(([id, childStatus]) => ({
              nodeId: id,
              nodeName: '',
              status: childStatus === '' ? 'Unknown' : childStatus,
              runtimeInfo: { raw: '' },
            })),
          ];
          const result = computeStatus({
            generation: 1,
            spec: { pipelineRunId: 'flow-1', nodeId: 'node-1' },
            outcome: { kind: 'observed', nodeId: 'node-1', nodes },
            now: T0,
          });
          expectVisible(result.phase, status, 64);
          if (!isKnownPaiStatus(status)) {
            const ready = result.conditions?.find((c) => c.type === 'Ready');
            expect(ready?.message).toContain(result.phase?.slice(0, 20));
          }
          for (const child of result.children ?? []) {
            const sent = nodes.find((n) => n.nodeId === child.nodeId);
            if (sent !== undefined) expectVisible(child.status, sent.status, 64);
          }
        },
      ),
      propertyRuns(),
    );
  });

  test('every RuntimeInfo key is kept, whatever its name, up to the limit', () => {
    const key = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { maxLength: 40 }),
        fc.integer({ min: 0, max: 64 }),
        (keys, maxKeys) => {
          const raw = `{${keys.map((k, i) => `${JSON.stringify(k)}:${i}`).join(',')}}`;
          const result = runningWith(raw, maxKeys);
          const kept = Object.keys(result.runtimeInfo ?? {});
          expect(kept).toHaveLength(Math.min(keys.length, maxKeys));
          for (const k of kept) expect(result.runtimeInfo?.[k]).toBe(String(keys.indexOf(k)));
        },
      ),
      propertyRuns(),
    );
  });

  // Found by the property above: `constructor` was taken for a key already kept (`key in {}`) and dropped.
  test('regression: RuntimeInfo keys named like Object.prototype members are kept', () => {
    const result = runningWith('{"constructor":"c","toString":"t","__proto__":"p","DLC_JOB_ID":"dlc-1"}');
    expect(JSON.parse(JSON.stringify(result.runtimeInfo))).toEqual(
      JSON.parse('{"DLC_JOB_ID":"dlc-1","__proto__":"p","constructor":"c","toString":"t"}'),
    );
    expect(Object.getPrototypeOf(result.runtimeInfo)).toBe(Object.prototype);
  });
});
