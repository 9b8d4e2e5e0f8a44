import { PaiflowError } from './errors.ts';
import {
  normalizeTimestamp,
  parseGetPipelineRun,
  parseListPipelineRunNodeStatus,
  parseListPipelineRunsStatus,
  parseRuntimeInfo,
} from './parse.ts';

// The documented sample body of ListPipelineRunNodeStatus, byte for byte as published.
const DOCUMENTED_SAMPLE = String.raw`{
  "RequestId": "473469C7-****-****-****-A3DC0DE3C83E\n",
  "Status": [
    {
      "NodeId": "node-1jlzg7ncv0j6i3****",
      "NodeName": "sql",
      "Status": "Succeeded",
      "StartedAt": "2021-01-21T17:12:35.232Z",
      "FinishedAt": "2021-01-21T17:12:40.232Z",
      "RuntimeInfo": "{\\\"DLC_INSTANCE_IDS\\\": \\\"i-12224afdfsaf,i-22224afdfsaf,i-13224afdfsaf\\\"}\n"
    }
  ]
}`;

function expectBadResponse(parse: () => unknown, what: string): void {
  let caught: unknown;
  try {
    parse();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PaiflowError);
  expect(caught).toMatchObject({ kind: 'transient', reason: 'BadResponse', code: 'BadResponse' });
  expect((caught as Error).message).toContain(what);
}

describe('normalizeTimestamp', () => {
  test.each([
    { name: 'with milliseconds', input: '2021-01-21T17:12:35.232Z', want: '2021-01-21T17:12:35.232Z' },
    { name: 'without milliseconds', input: '2021-01-21T17:12:35Z', want: '2021-01-21T17:12:35.000Z' },
    {
      name: 'microseconds truncated',
      input: '2021-01-21T17:12:35.232999Z',
      want: '2021-01-21T17:12:35.232Z',
    },
    { name: 'offset converted to UTC', input: '2021-01-22T01:12:35+08:00', want: '2021-01-21T17:12:35.000Z' },
    { name: 'offset without colon', input: '2021-01-22T01:12:35+0800', want: '2021-01-21T17:12:35.000Z' },
    {
      name: 'no zone is UTC (as documented)',
      input: '2021-01-21 17:12:35',
      want: '2021-01-21T17:12:35.000Z',
    },
    { name: 'lower-case t and z', input: '2021-01-21t17:12:35z', want: '2021-01-21T17:12:35.000Z' },
    { name: 'no seconds', input: '2021-01-21T17:12Z', want: '2021-01-21T17:12:00.000Z' },
    { name: 'surrounding whitespace', input: ' 2021-01-21T17:12:35Z\n', want: '2021-01-21T17:12:35.000Z' },
    { name: 'missing', input: undefined, want: undefined },
    { name: 'null', input: null, want: undefined },
    { name: 'empty', input: '', want: undefined },
    { name: 'not a time', input: 'yesterday', want: undefined },
    { name: 'a number', input: 1611249155232, want: undefined },
    { name: 'date only', input: '2021-01-21', want: undefined },
    { name: 'February 30th', input: '2021-02-30T00:00:00Z', want: undefined },
    { name: 'hour 24', input: '2021-01-21T24:00:00Z', want: undefined },
    { name: "Go's zero time", input: '0001-01-01T00:00:00Z', want: undefined },
    { name: 'the epoch', input: '1970-01-01T00:00:00Z', want: undefined },
  ])('$name', ({ input, want }) => {
    expect(normalizeTimestamp(input)).toBe(want);
  });
});

describe('parseRuntimeInfo', () => {
  test.each([
    {
      name: 'a JSON map',
      input: '{"DLC_INSTANCE_IDS":"i-1,i-2","n":3}',
      want: { parsed: { DLC_INSTANCE_IDS: 'i-1,i-2', n: 3 }, raw: '{"DLC_INSTANCE_IDS":"i-1,i-2","n":3}' },
    },
    { name: 'empty map', input: '{}', want: { parsed: {}, raw: '{}' } },
    {
      name: 'trailing newline kept in raw',
      input: '{"a":"b"}\n',
      want: { parsed: { a: 'b' }, raw: '{"a":"b"}\n' },
    },
    {
      name: 'last value wins per key',
      input: '{"a":1,"a":2}',
      want: { parsed: { a: 2 }, raw: '{"a":1,"a":2}' },
    },
    {
      name: 'nested values',
      input: '{"a":{"b":[1,null,true]}}',
      want: { parsed: { a: { b: [1, null, true] } }, raw: '{"a":{"b":[1,null,true]}}' },
    },
    {
      name: 'escaped twice, as documented',
      input: '{\\"K\\": \\"v\\"}\n',
      want: { parsed: { K: 'v' }, raw: '{\\"K\\": \\"v\\"}\n' },
    },
    { name: 'empty string', input: '', want: { raw: '' } },
    { name: 'missing', input: undefined, want: { raw: '' } },
    { name: 'null', input: null, want: { raw: '' } },
    { name: 'invalid JSON', input: '{oops', want: { raw: '{oops' } },
    { name: 'invalid even after unescaping', input: '{\\"K\\": oops}', want: { raw: '{\\"K\\": oops}' } },
    { name: 'JSON array', input: '[1,2]', want: { raw: '[1,2]' } },
    { name: 'JSON string', input: '"text"', want: { raw: '"text"' } },
    { name: 'JSON null', input: 'null', want: { raw: 'null' } },
    {
      name: 'an object instead of a string',
      input: { a: 'b' },
      want: { parsed: { a: 'b' }, raw: '{"a":"b"}' },
    },
    { name: 'a number instead of a string', input: 7, want: { raw: '7' } },
  ])('$name', ({ input, want }) => {
    expect(parseRuntimeInfo(input)).toStrictEqual(want);
  });
});

describe('parseListPipelineRunNodeStatus', () => {
  test('the documented sample', () => {
    expect(parseListPipelineRunNodeStatus(DOCUMENTED_SAMPLE)).toStrictEqual({
      requestId: '473469C7-****-****-****-A3DC0DE3C83E',
      nodes: [
        {
          nodeId: 'node-1jlzg7ncv0j6i3****',
          nodeName: 'sql',
          status: 'Succeeded',
          startedAt: '2021-01-21T17:12:35.232Z',
          finishedAt: '2021-01-21T17:12:40.232Z',
          runtimeInfo: {
            parsed: { DLC_INSTANCE_IDS: 'i-12224afdfsaf,i-22224afdfsaf,i-13224afdfsaf' },
            raw: '{\\"DLC_INSTANCE_IDS\\": \\"i-12224afdfsaf,i-22224afdfsaf,i-13224afdfsaf\\"}\n',
          },
        },
      ],
    });
  });

  const node = (fields: Record<string, unknown>): string =>
    JSON.stringify({ RequestId: 'R', Status: [{ NodeId: 'n1', ...fields }] });

  test.each([
    {
      name: 'a node that has not started: no times',
      body: node({
        NodeName: 'train',
        Status: 'Running',
        StartedAt: '',
        FinishedAt: null,
        RuntimeInfo: '{}',
      }),
      want: { nodeId: 'n1', nodeName: 'train', status: 'Running', runtimeInfo: { parsed: {}, raw: '{}' } },
    },
    {
      name: 'bogus times are dropped',
      body: node({ Status: 'Failed', StartedAt: 'not a time', FinishedAt: '0001-01-01T00:00:00Z' }),
      want: { nodeId: 'n1', nodeName: '', status: 'Failed', runtimeInfo: { raw: '' } },
    },
    {
      name: 'unknown status kept verbatim',
      body: node({ Status: 'WorkflowServiceStarting' }),
      want: { nodeId: 'n1', nodeName: '', status: 'WorkflowServiceStarting', runtimeInfo: { raw: '' } },
    },
    {
      name: 'odd spelling kept verbatim',
      body: node({ Status: 'Succeed' }),
      want: { nodeId: 'n1', nodeName: '', status: 'Succeed', runtimeInfo: { raw: '' } },
    },
    {
      name: 'missing status is Unknown',
      body: node({}),
      want: { nodeId: 'n1', nodeName: '', status: 'Unknown', runtimeInfo: { raw: '' } },
    },
    {
      name: 'empty status is Unknown',
      body: node({ Status: '' }),
      want: { nodeId: 'n1', nodeName: '', status: 'Unknown', runtimeInfo: { raw: '' } },
    },
    {
      name: 'extra fields ignored',
      body: node({ Status: 'Running', Foo: 'bar', Children: [1] }),
      want: { nodeId: 'n1', nodeName: '', status: 'Running', runtimeInfo: { raw: '' } },
    },
    {
      name: 'invalid RuntimeInfo kept raw',
      body: node({ Status: 'Running', RuntimeInfo: 'k=v' }),
      want: { nodeId: 'n1', nodeName: '', status: 'Running', runtimeInfo: { raw: 'k=v' } },
    },
  ])('$name', ({ body, want }) => {
    expect(parseListPipelineRunNodeStatus(body).nodes).toStrictEqual([want]);
  });

  test('several nodes in order, no RequestId', () => {
    const result = parseListPipelineRunNodeStatus(
      JSON.stringify({ Status: [{ NodeId: 'a' }, { NodeId: 'b' }] }),
    );
    expect(result.requestId).toBeUndefined();
    expect(result.nodes.map((n) => n.nodeId)).toEqual(['a', 'b']);
  });

  test('an empty Status array is no nodes', () => {
    expect(parseListPipelineRunNodeStatus('{"RequestId":"R","Status":[]}')).toStrictEqual({
      requestId: 'R',
      nodes: [],
    });
  });

  test.each([
    { name: 'not JSON', body: '<html>502</html>', what: 'the body is not JSON' },
    { name: 'empty body', body: '', what: 'the body is not JSON' },
    { name: 'truncated JSON', body: '{"RequestId":"R","Status":[{"NodeId":"n', what: 'the body is not JSON' },
    { name: 'a JSON array', body: '[]', what: 'the body is not a JSON object' },
    { name: 'JSON null', body: 'null', what: 'the body is not a JSON object' },
    { name: 'no Status', body: '{"RequestId":"R"}', what: 'Status is not an array' },
    { name: 'Status not an array', body: '{"Status":{"NodeId":"n"}}', what: 'Status is not an array' },
    { name: 'a node that is not an object', body: '{"Status":["n"]}', what: 'Status[0] is not an object' },
    {
      name: 'a node without NodeId',
      body: '{"Status":[{"NodeId":"a"},{"NodeName":"x"}]}',
      what: 'Status[1] has no NodeId',
    },
    {
      name: 'a node with an empty NodeId',
      body: '{"Status":[{"NodeId":" "}]}',
      what: 'Status[0] has no NodeId',
    },
  ])('not the expected shape: $name', ({ body, what }) => {
    expectBadResponse(() => parseListPipelineRunNodeStatus(body), what);
  });
});

describe('parseGetPipelineRun', () => {
  test.each([
    {
      name: 'a running run',
      body: {
        RequestId: 'R\n',
        PipelineRunId: 'flow-1',
        Name: 'nightly',
        Status: 'Running',
        NodeId: 'node-root',
        StartedAt: '2021-01-21T17:12:35Z',
        FinishedAt: '',
        Manifest: 'apiVersion: ...',
      },
      want: {
        requestId: 'R',
        pipelineRunId: 'flow-1',
        status: 'Running',
        nodeId: 'node-root',
        name: 'nightly',
        startedAt: '2021-01-21T17:12:35.000Z',
      },
    },
    {
      name: 'not started yet: the root node is empty',
      body: { RequestId: 'R', PipelineRunId: 'flow-1', Status: 'Initialized', NodeId: '' },
      want: { requestId: 'R', pipelineRunId: 'flow-1', status: 'Initialized' },
    },
    {
      name: 'no status',
      body: { PipelineRunId: 'flow-1' },
      want: { pipelineRunId: 'flow-1', status: 'Unknown' },
    },
  ])('$name', ({ body, want }) => {
    expect(parseGetPipelineRun(JSON.stringify(body))).toStrictEqual(want);
  });

  test.each([
    { name: 'not JSON', body: 'oops', what: 'the body is not JSON' },
    { name: 'no PipelineRunId', body: '{"Status":"Running"}', what: 'the body has no PipelineRunId' },
  ])('not the expected shape: $name', ({ body, what }) => {
    expectBadResponse(() => parseGetPipelineRun(body), what);
  });
});

describe('parseListPipelineRunsStatus', () => {
  test('runs and nodes', () => {
    const body = {
      RequestId: 'R',
      PipelineRuns: [
        { PipelineRunId: 'flow-1', Status: 'Running', NodeId: 'root-1', Name: 'a', IsDeleted: false },
      ],
      Nodes: [
        {
          PipelineRunId: 'flow-1',
          NodeId: 'n1',
          NodeName: 'train',
          Status: 'Succeeded',
          StartedAt: '2021-01-21T17:12:35.232Z',
          FinishedAt: '2021-01-21T17:12:40.232Z',
        },
        { PipelineRunId: 'flow-2', NodeId: 'n2', Status: 'Running', IsDeleted: true },
        { PipelineRunId: 'flow-3', NodeId: 'n3', Status: 'Running', IsDeleted: 'no' },
      ],
      Outputs: [],
    };
    expect(parseListPipelineRunsStatus(JSON.stringify(body))).toStrictEqual({
      requestId: 'R',
      pipelineRuns: [{ pipelineRunId: 'flow-1', status: 'Running', nodeId: 'root-1', name: 'a' }],
      nodes: [
        {
          pipelineRunId: 'flow-1',
          nodeId: 'n1',
          nodeName: 'train',
          status: 'Succeeded',
          startedAt: '2021-01-21T17:12:35.232Z',
          finishedAt: '2021-01-21T17:12:40.232Z',
          runtimeInfo: { raw: '' },
        },
        // IsDeleted kept when it is a boolean, ignored otherwise (lenient).
        {
          pipelineRunId: 'flow-2',
          nodeId: 'n2',
          nodeName: '',
          status: 'Running',
          runtimeInfo: { raw: '' },
          isDeleted: true,
        },
        { pipelineRunId: 'flow-3', nodeId: 'n3', nodeName: '', status: 'Running', runtimeInfo: { raw: '' } },
      ],
    });
  });

  test.each([
    { name: 'absent arrays', body: '{"RequestId":"R"}' },
    { name: 'null arrays', body: '{"RequestId":"R","PipelineRuns":null,"Nodes":null}' },
  ])('$name are empty', ({ body }) => {
    expect(parseListPipelineRunsStatus(body)).toStrictEqual({ requestId: 'R', pipelineRuns: [], nodes: [] });
  });

  test.each([
    { name: 'Nodes not an array', body: '{"Nodes":{}}', what: 'Nodes is not an array' },
    { name: 'PipelineRuns not an array', body: '{"PipelineRuns":"x"}', what: 'PipelineRuns is not an array' },
    {
      name: 'a run without ID',
      body: '{"PipelineRuns":[{"Status":"Running"}]}',
      what: 'PipelineRuns[0] has no PipelineRunId',
    },
    {
      name: 'a node without run ID',
      body: '{"Nodes":[{"NodeId":"n"}]}',
      what: 'Nodes[0] has no PipelineRunId',
    },
    {
      name: 'a node without node ID',
      body: '{"Nodes":[{"PipelineRunId":"f"}]}',
      what: 'Nodes[0] has no NodeId',
    },
  ])('not the expected shape: $name', ({ body, what }) => {
    expectBadResponse(() => parseListPipelineRunsStatus(body), what);
  });
});

describe('a 2xx body that is an error object', () => {
  const throttled = JSON.stringify({
    RequestId: 'R-1',
    Code: 'Throttling.User',
    Message: 'denied; TokenId=share-1',
  });

  test.each([
    { name: 'ListPipelineRunNodeStatus', parse: parseListPipelineRunNodeStatus },
    { name: 'GetPipelineRun', parse: parseGetPipelineRun },
    // Its arrays are optional: without this check the error would read as "nothing found".
    { name: 'ListPipelineRunsStatus', parse: parseListPipelineRunsStatus },
  ])('$name: the error, classified by its code, server text scrubbed', ({ parse }) => {
    let caught: unknown;
    try {
      parse(throttled, { httpStatus: 200, secrets: ['share-1'] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PaiflowError);
    expect(caught).toMatchObject({
      code: 'Throttling.User',
      kind: 'throttled',
      reason: 'Throttled',
      httpStatus: 200,
      requestId: 'R-1',
    });
    expect((caught as PaiflowError).message).not.toContain('share-1');
  });

  test('an answer that also carries a Code is an answer', () => {
    expect(
      parseListPipelineRunNodeStatus(JSON.stringify({ Code: 'OK', Status: [{ NodeId: 'n' }] })).nodes,
    ).toHaveLength(1);
  });
});
