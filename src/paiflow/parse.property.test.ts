import fc from 'fast-check';
import { propertyRuns } from '../../test/support/property-runs.ts';
import { PaiflowError } from './errors.ts';
import { nodeEntry, paiStatus, responseText, runtimeInfo } from './pai-arbitraries.test-helper.ts';
import { parseGetPipelineRun, parseListPipelineRunNodeStatus, parseListPipelineRunsStatus } from './parse.ts';
import type { NodeStatus } from './types.ts';

/** The body is never quoted, and every other part of a parse error's message is ours: short. */
const MAX_MESSAGE = 1500;

function attempt<T>(parse: () => T): { ok: T } | { error: unknown } {
  try {
    return { ok: parse() };
  } catch (error) {
    return { error };
  }
}

function expectOnlyPaiflowErrors(result: { ok: unknown } | { error: unknown }): void {
  if ('ok' in result) return;
  expect(result.error).toBeInstanceOf(PaiflowError);
  const error = result.error as PaiflowError;
  expect(['throttled', 'transient', 'permanent']).toContain(error.kind);
  expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function expectNormalised(node: NodeStatus): void {
  expect(node.nodeId).toBe(node.nodeId.trim());
  expect(node.nodeId).not.toBe('');
  expect(typeof node.nodeName).toBe('string');
  expect(node.status).not.toBe('');
  for (const time of [node.startedAt, node.finishedAt]) {
    if (time !== undefined) expect(time).toMatch(ISO);
  }
  expect(typeof node.runtimeInfo.raw).toBe('string');
}

describe('the response parsers, given anything', () => {
  test('ListPipelineRunNodeStatus: a normalised answer or a PaiflowError', () => {
    fc.assert(
      fc.property(responseText, (body) => {
        const result = attempt(() => parseListPipelineRunNodeStatus(body));
        expectOnlyPaiflowErrors(result);
        if ('ok' in result) result.ok.nodes.forEach(expectNormalised);
      }),
      propertyRuns(),
    );
  });

  test('GetPipelineRun: a normalised answer or a PaiflowError', () => {
    fc.assert(
      fc.property(responseText, (body) => {
        const result = attempt(() => parseGetPipelineRun(body));
        expectOnlyPaiflowErrors(result);
        if ('ok' in result) {
          expect(result.ok.pipelineRunId).not.toBe('');
          expect(result.ok.status).not.toBe('');
        }
      }),
      propertyRuns(),
    );
  });

  test('ListPipelineRunsStatus: a normalised answer or a PaiflowError', () => {
    fc.assert(
      fc.property(responseText, (body) => {
        const result = attempt(() => parseListPipelineRunsStatus(body));
        expectOnlyPaiflowErrors(result);
        if ('ok' in result) {
          result.ok.nodes.forEach(expectNormalised);
          for (const run of result.ok.pipelineRuns) expect(run.pipelineRunId).not.toBe('');
        }
      }),
      propertyRuns(),
    );
  });

  test('an unknown status and an undecodable RuntimeInfo are kept verbatim', () => {
    const wellFormed = fc.record({
      NodeId: fc.constantFrom('node-1', 'node-2'),
      Status: paiStatus,
      RuntimeInfo: runtimeInfo,
      rest: nodeEntry,
    });
    fc.assert(
      fc.property(fc.array(wellFormed, { minLength: 1, maxLength: 5 }), (entries) => {
        const body = JSON.stringify({
          Status: entries.map(({ rest, ...node }) => ({ ...rest, ...node })),
        });
        const { nodes } = parseListPipelineRunNodeStatus(body);
        entries.forEach((entry, i) => {
          const status = typeof entry.Status === 'string' && entry.Status !== '' ? entry.Status : 'Unknown';
          expect(nodes[i]?.status).toBe(status);
          if (typeof entry.RuntimeInfo === 'string')
            expect(nodes[i]?.runtimeInfo.raw).toBe(entry.RuntimeInfo);
        });
      }),
      propertyRuns(),
    );
  });
});
