import fc from 'fast-check';

/**
 * Test support (not a test): fast-check arbitraries for what PAIFlow (or whatever stands in front of
 * it) might send: documented shapes with every field at times missing, of the wrong type, huge, or
 * holding values nobody documented; JSON that is not the shape; text and bytes that are not JSON.
 */

const scalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

/** A JSON value of a type no field is documented to have (most of the time). */
export const wrongType = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }),
);

/** Strings long enough to overflow any status field. */
export const hugeString = fc
  .tuple(fc.integer({ min: 5_000, max: 20_000 }), fc.string({ minLength: 1, maxLength: 4 }))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)));

const KNOWN = ['Initialized', 'ReadyToSchedule', 'Starting', 'WorkflowServiceStarting', 'Running'];
const FINAL = [
  'Succeeded',
  'Succeed',
  'Failed',
  'Terminated',
  'Skipped',
  'Suspended',
  'Terminating',
  'Unknown',
];

/** PAI statuses: documented, differently spelt, never seen, empty, huge. */
export const paiStatus = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN, ...FINAL, 'SUCCEEDED', ' failed ', 'skipped', '') },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: hugeString },
);

/** Node IDs from a small pool, so answers repeat and miss them; sometimes blank or huge. */
export const nodeIdPool = fc.oneof(
  { weight: 40, arbitrary: fc.constantFrom('node-1', 'node-2', 'node-3', 'node-4') },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', ' node-1 ') },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: hugeString },
);

export const timestamp = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '',
    '0001-01-01T00:00:00Z',
    '2021-01-21T17:12:35.232Z',
    '2021-02-30T00:00:00Z',
    'yesterday',
  ),
  fc.string({ maxLength: 30 }),
);

/** RuntimeInfo: a JSON map as a string (escaped once or twice), or anything else. */
export const runtimeInfo = fc.oneof(
  fc
    .dictionary(
      fc.oneof(fc.string(), fc.constantFrom('constructor', 'toString', '__proto__')),
      fc.jsonValue(),
      {
        maxKeys: 80,
      },
    )
    .map((map) => JSON.stringify(map)),
  fc
    .dictionary(fc.string(), fc.string(), { maxKeys: 5 })
    .map((map) => JSON.stringify(JSON.stringify(map)).slice(1, -1)),
  fc.json(),
  fc.string(),
  hugeString,
  wrongType,
);

const field = <T>(arbitrary: fc.Arbitrary<T>, rarely = 4): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: rarely, arbitrary }, { weight: 1, arbitrary: wrongType });

// Fields without which an answer is refused: wrong only now and then, so most answers get through.
const REQUIRED = 40;

/** A node entry of ListPipelineRunNodeStatus or of the batch's Nodes; any field may be absent or wrong. */
export const nodeEntry = fc.record(
  {
    NodeId: field(nodeIdPool, REQUIRED),
    NodeName: field(fc.oneof({ weight: 4, arbitrary: fc.string() }, { weight: 1, arbitrary: hugeString })),
    Status: field(paiStatus),
    StartedAt: field(timestamp),
    FinishedAt: field(timestamp),
    RuntimeInfo: runtimeInfo,
    PipelineRunId: field(fc.constantFrom('flow-1', 'flow-2', 'flow-2', 'flow-1', ''), REQUIRED),
  },
  { requiredKeys: [] },
);

const runEntry = fc.record(
  {
    PipelineRunId: field(fc.constantFrom('flow-1', 'flow-2', 'flow-1', 'flow-2', '', ' '), REQUIRED),
    Status: field(paiStatus),
    NodeId: field(nodeIdPool),
    Name: field(fc.string()),
    StartedAt: field(timestamp),
    FinishedAt: field(timestamp),
    Message: field(fc.oneof(fc.string(), hugeString)),
  },
  { requiredKeys: [] },
);

/** A JSON object shaped like any of the three answers, fields missing or wrong at random. */
export const answerObject = fc.record(
  {
    RequestId: field(fc.string()),
    Status: field(
      fc.array(fc.oneof({ weight: 60, arbitrary: nodeEntry }, { weight: 1, arbitrary: wrongType }), {
        maxLength: 12,
      }),
      REQUIRED / 4,
    ),
    PipelineRuns: field(fc.array(runEntry, { maxLength: 5 }), REQUIRED / 4),
    Nodes: field(fc.array(nodeEntry, { maxLength: 8 }), REQUIRED / 4),
    PipelineRunId: field(fc.constantFrom('flow-1', 'flow-1', ''), REQUIRED),
    NodeId: field(nodeIdPool),
    Name: field(fc.string()),
  },
  { requiredKeys: ['Status', 'PipelineRunId'] },
);

/** Alibaba's error object, in either case, fields of any type. */
export const errorObject = fc.record(
  {
    RequestId: field(fc.string()),
    requestId: field(fc.string()),
    Code: field(
      fc.oneof(
        fc.constantFrom(
          'Throttling.User',
          'InternalError',
          'Forbidden.RAM',
          'InvalidSecurityToken.Expired',
          'OK',
        ),
        fc.string(),
        hugeString,
      ),
    ),
    code: field(fc.string()),
    Message: field(fc.oneof(fc.string(), hugeString)),
    message: field(fc.string()),
    Recommend: field(fc.string()),
  },
  { requiredKeys: [] },
);

/** A response body as text: an answer-like object, any JSON, a truncated answer, text, or raw bytes. */
export const responseText: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: answerObject.map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: errorObject.map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.json() },
  {
    weight: 1,
    arbitrary: answerObject
      .map((o) => JSON.stringify(o))
      .chain((text) => fc.nat({ max: text.length }).map((n) => text.slice(0, n))),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '<html><body><h1>502 Bad Gateway</h1></body></html>', 'null', '[]'),
  },
);
