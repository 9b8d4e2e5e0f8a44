import { admitCustomResource, formatInvalidMessage, formatStrictDecodingMessage } from './validate.ts';
import type { AdmitInput, Cause } from './validate.ts';
import type { JSONSchemaProps } from './types.ts';

/**
 * Expected strings are the real kube-apiserver's (apiextensions-apiserver + kube-openapi +
 * apimachinery field errors, read from their sources); see the report for the few that could not
 * be checked against a running server.
 */

const str: JSONSchemaProps = { type: 'string' };
const object = (
  properties: Record<string, JSONSchemaProps>,
  extra: JSONSchemaProps = {},
): JSONSchemaProps => ({
  type: 'object',
  properties,
  ...extra,
});
const root = (spec: JSONSchemaProps, status?: JSONSchemaProps): JSONSchemaProps =>
  object({ spec, ...(status === undefined ? {} : { status }) });
const meta = {
  apiVersion: 'paiflow.dev/v1alpha1',
  kind: 'PipelineRunNode',
  metadata: { name: 'x', namespace: 'ns' },
};
const cr = (spec: unknown, rest: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...meta,
  spec,
  ...rest,
});
const invalid = (field: string, message: string): Cause => ({ reason: 'FieldValueInvalid', field, message });
const typeInvalid = (field: string, message: string): Cause => ({
  reason: 'FieldValueTypeInvalid',
  field,
  message,
});
const notChecked = invalid(
  '<nil>',
  'Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
);

function causes(input: AdmitInput): Cause[] {
  return admitCustomResource(input).causes;
}

describe('admitCustomResource: OpenAPI schema validation', () => {
  const schema = root(
    object({
      pipelineRunId: { type: 'string', pattern: '^flow-[a-z0-9]+$', maxLength: 12, minLength: 6 },
      depth: { type: 'integer', minimum: 1, maximum: 10 },
      weight: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1000000, multipleOf: 0.5 },
      step: { type: 'integer', multipleOf: 5, maximum: 100, exclusiveMaximum: true },
      count: { type: 'integer', format: 'int32' },
      suspend: { type: 'boolean' },
      type: { type: 'string', enum: ['Logical', 'Physical'] },
      level: { type: 'integer', enum: [1, 2] },
      startedAt: { type: 'string', format: 'date-time' },
      day: { type: 'string', format: 'date' },
      uid: { type: 'string', format: 'uuid' },
      host: { type: 'string', format: 'hostname' },
      blob: { type: 'string', format: 'byte' },
      name: { type: 'string', format: 'k8s-short-name' },
      tags: { type: 'array', items: str, minItems: 1, maxItems: 2 },
      labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 3 }, maxProperties: 2 },
      ref: object({ name: str, key: str }, { required: ['name'] }),
      children: { type: 'array', items: object({ nodeId: str }, { required: ['nodeId'] }) },
      maxUnavailable: { 'x-kubernetes-int-or-string': true },
      note: { type: 'string', nullable: true },
    }),
  );
  const table: { name: string; spec: Record<string, unknown>; want: Cause[] }[] = [
    {
      name: 'valid object',
      spec: { pipelineRunId: 'flow-abc', depth: 3, weight: 2.5, maxUnavailable: '50%' },
      want: [],
    },
    {
      name: 'integer above maximum',
      spec: { depth: 11 },
      want: [
        invalid('spec.depth', 'Invalid value: 11: spec.depth in body should be less than or equal to 10'),
      ],
    },
    {
      name: 'integer below minimum',
      spec: { depth: 0 },
      want: [
        invalid('spec.depth', 'Invalid value: 0: spec.depth in body should be greater than or equal to 1'),
      ],
    },
    {
      name: 'exclusive bounds and float formatting',
      spec: { weight: 1500000.5 },
      want: [
        invalid(
          'spec.weight',
          'Invalid value: 1.5000005e+06: spec.weight in body should be less than or equal to 1e+06',
        ),
      ],
    },
    {
      name: 'exclusive minimum',
      spec: { weight: 0 },
      want: [invalid('spec.weight', 'Invalid value: 0: spec.weight in body should be greater than 0')],
    },
    {
      name: 'multipleOf on floats and integers, exclusive maximum',
      spec: { weight: 0.3, step: 101 },
      want: [
        invalid('spec.weight', 'Invalid value: 0.3: spec.weight in body should be a multiple of 0.5'),
        invalid('spec.step', 'Invalid value: 101: spec.step in body should be a multiple of 5'),
        invalid('spec.step', 'Invalid value: 101: spec.step in body should be less than 100'),
      ],
    },
    {
      name: 'string for integer',
      spec: { depth: '3' },
      want: [
        typeInvalid(
          'spec.depth',
          'Invalid value: "string": spec.depth in body must be of type integer: "string"',
        ),
      ],
    },
    {
      name: 'float for integer',
      spec: { depth: 1.5 },
      want: [
        typeInvalid(
          'spec.depth',
          'Invalid value: "number": spec.depth in body must be of type integer: "number"',
        ),
      ],
    },
    {
      name: 'float for int32 integer names the format',
      spec: { count: 1.5 },
      want: [
        typeInvalid(
          'spec.count',
          'Invalid value: "float64": spec.count in body must be of type int32: "float64"',
        ),
      ],
    },
    { name: 'int32 range is not checked (as the real server)', spec: { count: 2 ** 40 }, want: [] },
    { name: 'integer accepted for number', spec: { weight: 3 }, want: [] },
    {
      name: 'string for boolean, array for object',
      spec: { suspend: 'true', ref: ['a'] },
      want: [
        typeInvalid(
          'spec.suspend',
          'Invalid value: "string": spec.suspend in body must be of type boolean: "string"',
        ),
        typeInvalid('spec.ref', 'Invalid value: "array": spec.ref in body must be of type object: "array"'),
      ],
    },
    {
      name: 'enum of strings',
      spec: { type: 'Foo' },
      want: [
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.type',
          message: 'Unsupported value: "Foo": supported values: "Logical", "Physical"',
        },
      ],
    },
    {
      name: 'enum of numbers',
      spec: { level: 3 },
      want: [
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.level',
          message: 'Unsupported value: 3: supported values: "1", "2"',
        },
      ],
    },
    {
      name: 'pattern',
      spec: { pipelineRunId: 'run-12345' },
      want: [
        invalid(
          'spec.pipelineRunId',
          `Invalid value: "run-12345": spec.pipelineRunId in body should match '^flow-[a-z0-9]+$'`,
        ),
      ],
    },
    {
      name: 'maxLength counts characters and hides the value',
      spec: { pipelineRunId: 'flow-abcdefghij' },
      want: [
        {
          reason: 'FieldValueTooLong',
          field: 'spec.pipelineRunId',
          message: 'Too long: may not be more than 12 bytes',
        },
      ],
    },
    {
      name: 'minLength',
      spec: { pipelineRunId: 'flow' },
      want: [
        invalid(
          'spec.pipelineRunId',
          'Invalid value: "flow": spec.pipelineRunId in body should be at least 6 chars long',
        ),
      ],
    },
    {
      name: 'maxItems and minItems',
      spec: { tags: ['a', 'b', 'c'] },
      want: [
        {
          reason: 'FieldValueTooMany',
          field: 'spec.tags',
          message: 'Too many: 3: must have at most 2 items',
        },
      ],
    },
    {
      name: 'minItems',
      spec: { tags: [] },
      want: [invalid('spec.tags', 'Invalid value: 0: spec.tags in body should have at least 1 items')],
    },
    {
      name: 'maxProperties stops at the object',
      spec: { labels: { a: 'toolong', b: 'x', c: 'y' } },
      want: [
        {
          reason: 'FieldValueTooMany',
          field: 'spec.labels',
          message: 'Too many: 3: must have at most 2 items',
        },
      ],
    },
    {
      name: 'additionalProperties values are validated at dotted paths',
      spec: { labels: { team: 'toolong' } },
      want: [
        {
          reason: 'FieldValueTooLong',
          field: 'spec.labels.team',
          message: 'Too long: may not be more than 3 bytes',
        },
      ],
    },
    {
      name: 'required nested and in array items',
      spec: { ref: { key: 'k' }, children: [{ nodeId: 'a' }, {}] },
      want: [
        { reason: 'FieldValueRequired', field: 'spec.ref.name', message: 'Required value' },
        { reason: 'FieldValueRequired', field: 'spec.children[1].nodeId', message: 'Required value' },
      ],
    },
    {
      name: 'date-time format',
      spec: { startedAt: 'yesterday' },
      want: [
        typeInvalid(
          'spec.startedAt',
          'Invalid value: "yesterday": spec.startedAt in body must be of type date-time: "yesterday"',
        ),
      ],
    },
    {
      name: 'valid formats',
      spec: {
        startedAt: '2024-01-02T03:04:05.123+08:00',
        day: '2024-02-29',
        uid: '0f8fad5b-d9cb-469f-a165-70867728950e',
        host: 'a.example.com',
        blob: 'aGVsbG8=',
      },
      want: [],
    },
    {
      name: 'date, uuid, hostname and byte formats',
      spec: { day: '2023-02-29', uid: 'nope', host: '-x-', blob: 'not base64!' },
      want: [
        typeInvalid(
          'spec.day',
          'Invalid value: "2023-02-29": spec.day in body must be of type date: "2023-02-29"',
        ),
        typeInvalid('spec.uid', 'Invalid value: "nope": spec.uid in body must be of type uuid: "nope"'),
        typeInvalid('spec.host', 'Invalid value: "-x-": spec.host in body must be of type hostname: "-x-"'),
        typeInvalid(
          'spec.blob',
          'Invalid value: "not base64!": spec.blob in body must be of type byte: "not base64!"',
        ),
      ],
    },
    { name: 'formats the server does not know are not checked', spec: { name: 'Not_A_Name' }, want: [] },
    { name: 'int-or-string accepts both', spec: { maxUnavailable: 3 }, want: [] },
    {
      name: 'int-or-string rejects others',
      spec: { maxUnavailable: true },
      want: [
        typeInvalid(
          'spec.maxUnavailable',
          'Invalid value: "boolean": spec.maxUnavailable in body must be of type integer,string: "boolean"',
        ),
      ],
    },
    { name: 'nullable accepts null', spec: { note: null }, want: [] },
    { name: 'non-nullable null without default is dropped', spec: { depth: null }, want: [] },
    {
      name: 'null array items are type errors',
      spec: { tags: [null] },
      want: [
        typeInvalid(
          'spec.tags[0]',
          'Invalid value: "null": spec.tags[0] in body must be of type string: "null"',
        ),
      ],
    },
  ];
  it.each(table)('$name', ({ spec, want }) => {
    expect(causes({ schema, obj: cr(spec) })).toEqual(want);
  });

  it('drops non-nullable nulls, so a required one is reported missing', () => {
    const s = root(object({ a: str }, { required: ['a'] }));
    const result = admitCustomResource({ schema: s, obj: cr({ a: null }) });
    expect(result.obj.spec).toEqual({});
    expect(result.causes).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.a', message: 'Required value' },
    ]);
  });

  it('ratchets on update: unchanged invalid values pass, changed ones do not', () => {
    const s = root(object({ depth: { type: 'integer', maximum: 10 }, other: str }));
    const old = cr({ depth: 50, other: 'a' });
    expect(causes({ schema: s, obj: cr({ depth: 50, other: 'b' }), oldObj: old })).toEqual([]);
    expect(causes({ schema: s, obj: cr({ depth: 51, other: 'a' }), oldObj: old })).toEqual([
      invalid('spec.depth', 'Invalid value: 51: spec.depth in body should be less than or equal to 10'),
    ]);
  });
});

describe('admitCustomResource: list types and embedded resources', () => {
  const schema = root(
    object({
      tags: { type: 'array', items: str, 'x-kubernetes-list-type': 'set' },
      children: {
        type: 'array',
        items: object({ nodeId: str, status: str }),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['nodeId'],
      },
      ports: {
        type: 'array',
        items: object({ port: { type: 'integer' }, protocol: str }),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['port', 'protocol'],
      },
      template: {
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        'x-kubernetes-preserve-unknown-fields': true,
      },
    }),
  );
  const table: { name: string; spec: Record<string, unknown>; want: Cause[] }[] = [
    {
      name: 'set: every repeat after the first',
      spec: { tags: ['a', 'b', 'a', 'a'] },
      want: [{ reason: 'FieldValueDuplicate', field: 'spec.tags[2]', message: 'Duplicate value: "a"' }],
    },
    {
      name: 'map: key fields as a Go map',
      spec: { children: [{ nodeId: 'a' }, { nodeId: 'a', status: 'x' }] },
      want: [
        {
          reason: 'FieldValueDuplicate',
          field: 'spec.children[1]',
          message: 'Duplicate value: map[string]interface {}{"nodeId":"a"}',
        },
      ],
    },
    {
      name: 'map with two keys',
      spec: {
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 80, protocol: 'UDP' },
          { port: 80, protocol: 'TCP' },
        ],
      },
      want: [
        {
          reason: 'FieldValueDuplicate',
          field: 'spec.ports[2]',
          message: 'Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}',
        },
      ],
    },
    {
      name: 'embedded resource needs apiVersion and kind',
      spec: { template: { metadata: { name: 'x' }, spec: {} } },
      want: [
        { reason: 'FieldValueRequired', field: 'spec.template.apiVersion', message: 'Required value' },
        { reason: 'FieldValueRequired', field: 'spec.template.kind', message: 'Required value' },
      ],
    },
    {
      name: 'valid embedded resource',
      spec: { template: { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } } },
      want: [],
    },
  ];
  it.each(table)('$name', ({ spec, want }) => {
    expect(causes({ schema, obj: cr(spec) })).toEqual(want);
  });

  it('does not enforce list invariants an update inherits from the stored object', () => {
    const old = cr({ tags: ['a', 'a'] });
    expect(causes({ schema, obj: cr({ tags: ['a', 'a', 'b'] }), oldObj: old })).toEqual([]);
  });
});

describe('admitCustomResource: pruning and fieldValidation', () => {
  const schema = object({
    spec: object({
      known: str,
      nested: object({ a: str }),
      items: { type: 'array', items: object({ name: str }) },
      free: {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        properties: { typed: object({ x: str }) },
      },
      template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { data: str } },
    }),
  });
  const body = cr({
    known: 'k',
    zeta: 1,
    alpha: 2,
    nested: { a: 'a', b: 'b' },
    items: [{ name: 'n', extra: true }],
    free: { anything: { goes: [1] }, typed: { x: 'x', y: 'dropped' } },
    template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: 'd', other: 1 },
  });
  const pruned = {
    known: 'k',
    nested: { a: 'a' },
    items: [{ name: 'n' }],
    free: { anything: { goes: [1] }, typed: { x: 'x' } },
    template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: 'd' },
  };
  const unknown = [
    'spec.alpha',
    'spec.free.typed.y',
    'spec.items[0].extra',
    'spec.nested.b',
    'spec.template.other',
    'spec.zeta',
  ];
  const table: { name: string; fieldValidation?: 'Strict' | 'Warn' | 'Ignore'; wantWarnings: string[] }[] = [
    { name: 'Warn (the default)', wantWarnings: unknown.map((f) => `unknown field "${f}"`) },
    { name: 'Warn', fieldValidation: 'Warn', wantWarnings: unknown.map((f) => `unknown field "${f}"`) },
    { name: 'Strict reports through unknownFields only', fieldValidation: 'Strict', wantWarnings: [] },
    { name: 'Ignore', fieldValidation: 'Ignore', wantWarnings: [] },
  ];
  it.each(table)('$name', ({ fieldValidation, wantWarnings }) => {
    const input = structuredClone(body);
    const result = admitCustomResource({
      schema,
      obj: input,
      ...(fieldValidation ? { fieldValidation } : {}),
    });
    expect(result.obj).toEqual({ ...meta, spec: pruned });
    expect(result.unknownFields).toEqual(unknown);
    expect(result.warnings).toEqual(wantWarnings);
    expect(result.causes).toEqual([]);
    expect(input).toEqual(body);
  });

  it('leaves root apiVersion, kind and metadata alone', () => {
    const result = admitCustomResource({
      schema: object({}),
      obj: { ...meta, metadata: { name: 'x', weird: 1 }, extra: 1 },
    });
    expect(result.obj).toEqual({ ...meta, metadata: { name: 'x', weird: 1 } });
    expect(result.unknownFields).toEqual(['extra']);
  });

  it('formats the strict decoding error', () => {
    expect(formatStrictDecodingMessage('PipelineRunNode', 'v1alpha1', ['spec.a', 'spec.b'])).toBe(
      'PipelineRunNode in version "v1alpha1" cannot be handled as a PipelineRunNode: strict decoding error: unknown field "spec.a", unknown field "spec.b"',
    );
  });
});

describe('admitCustomResource: defaults', () => {
  const schema = object({
    spec: object(
      {
        depth: { type: 'integer', default: 2 },
        type: { type: 'string', default: 'Logical' },
        ref: object({ key: { type: 'string', default: 'token' }, name: str }),
        options: object({ retries: { type: 'integer', default: 3 } }, { default: {} }),
        children: {
          type: 'array',
          items: object({ nodeId: str, status: { type: 'string', default: 'Unknown' } }),
        },
        limits: { type: 'object', additionalProperties: object({ max: { type: 'integer', default: 10 } }) },
        values: { type: 'array', items: { type: 'string', default: 'v' } },
      },
      { default: {} },
    ),
    status: object({ phase: { type: 'string', default: 'Pending' } }),
  });
  const table: { name: string; obj: Record<string, unknown>; want: Record<string, unknown> }[] = [
    {
      name: 'defaults the absent parent and nested defaults inside defaults',
      obj: { ...meta },
      want: { ...meta, spec: { depth: 2, type: 'Logical', options: { retries: 3 } } },
    },
    {
      name: 'keeps given values, defaults only inside existing parents',
      obj: cr({ depth: 5, ref: { name: 'n' } }),
      want: cr({ depth: 5, type: 'Logical', ref: { name: 'n', key: 'token' }, options: { retries: 3 } }),
    },
    {
      name: 'defaults inside array items and additionalProperties values',
      obj: cr({ children: [{ nodeId: 'a' }, { nodeId: 'b', status: 'Running' }], limits: { cpu: {} } }),
      want: cr({
        depth: 2,
        type: 'Logical',
        options: { retries: 3 },
        children: [
          { nodeId: 'a', status: 'Unknown' },
          { nodeId: 'b', status: 'Running' },
        ],
        limits: { cpu: { max: 10 } },
      }),
    },
    {
      name: 'non-nullable nulls take the default, in objects and in arrays',
      obj: cr({ depth: null, values: [null, 'x'] }),
      want: cr({ depth: 2, type: 'Logical', options: { retries: 3 }, values: ['v', 'x'] }),
    },
    {
      name: 'no default for an absent status object',
      obj: cr({}),
      want: cr({ depth: 2, type: 'Logical', options: { retries: 3 } }),
    },
    {
      name: 'defaults in an existing status',
      obj: cr({}, { status: {} }),
      want: cr({ depth: 2, type: 'Logical', options: { retries: 3 } }, { status: { phase: 'Pending' } }),
    },
  ];
  it.each(table)('$name', ({ obj, want }) => {
    expect(admitCustomResource({ schema, obj }).obj).toEqual(want);
  });
});

describe('admitCustomResource: CEL x-kubernetes-validations', () => {
  const rule = (
    r: string,
    extra: Record<string, unknown> = {},
  ): JSONSchemaProps['x-kubernetes-validations'] => [{ rule: r, ...extra }];
  const schema = root(
    object({
      pipelineRunId: {
        type: 'string',
        'x-kubernetes-validations': rule('self == oldSelf', { message: 'pipelineRunId is immutable' }),
      },
      nodeId: {
        type: 'string',
        'x-kubernetes-validations': rule("self.startsWith('node-')", { message: 'must start with node-' }),
      },
      depth: { type: 'integer', 'x-kubernetes-validations': rule('self <= 5') },
      ratio: {
        type: 'number',
        'x-kubernetes-validations': rule('self > 0.5', {
          messageExpression: "'ratio ' + string(self) + ' too small'",
        }),
      },
      region: {
        type: 'string',
        'x-kubernetes-validations': rule("self != 'x'", {
          messageExpression: 'self.nope',
          message: 'region must not be x',
        }),
      },
      window: object(
        {
          startedAt: { type: 'string', format: 'date-time' },
          finishedAt: { type: 'string', format: 'date-time' },
          timeout: { type: 'string', format: 'duration' },
        },
        {
          'x-kubernetes-validations': [
            {
              rule: '!has(self.finishedAt) || self.startedAt <= self.finishedAt',
              message: 'finishedAt before startedAt',
              fieldPath: '.finishedAt',
            },
            {
              rule: "!has(self.timeout) || self.timeout <= duration('1h')",
              message: 'timeout too long',
              reason: 'FieldValueForbidden',
            },
          ],
        },
      ),
      tags: {
        type: 'array',
        items: str,
        'x-kubernetes-validations': rule('self.isSorted()', { message: 'tags must be sorted' }),
      },
      labels: {
        type: 'object',
        additionalProperties: str,
        'x-kubernetes-validations': rule("self.all(k, k != 'forbidden')", {
          message: 'no forbidden key',
          reason: 'FieldValueRequired',
        }),
      },
      namespace: str,
      'node-pool': str,
      keyed: {
        type: 'object',
        properties: { namespace: str, 'node-pool': str },
        'x-kubernetes-validations': rule('self.__namespace__ == self.node__dash__pool', {
          message: 'names differ',
        }),
      },
      children: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['nodeId'],
        items: object({
          nodeId: str,
          status: {
            type: 'string',
            'x-kubernetes-validations': rule("oldSelf != 'Succeeded' || self == 'Succeeded'", {
              message: 'status cannot leave Succeeded',
            }),
          },
        }),
      },
      credentials: {
        type: 'object',
        properties: { name: str },
        'x-kubernetes-validations': rule('self.name == oldSelf.value().name', {
          optionalOldSelf: true,
          message: 'credentials are immutable',
        }),
      },
      optional: {
        type: 'object',
        properties: { name: str },
        'x-kubernetes-validations': rule("!oldSelf.hasValue() || self.name != ''", {
          optionalOldSelf: true,
          message: 'name required',
        }),
      },
      lookup: { type: 'object', properties: { a: str }, 'x-kubernetes-validations': rule("self.a == 'x'") },
    }),
  );
  schema['x-kubernetes-validations'] = rule(
    "self.metadata.name.startsWith('x') && self.kind == 'PipelineRunNode'",
    { message: 'root rule' },
  );
  const table: {
    name: string;
    spec: Record<string, unknown>;
    old?: Record<string, unknown>;
    want: Cause[];
    warnings?: string[];
  }[] = [
    {
      name: 'valid',
      spec: { pipelineRunId: 'a', nodeId: 'node-1', depth: 5, ratio: 0.75, tags: ['a', 'b'] },
      want: [],
    },
    {
      name: 'message with the schema type as value',
      spec: { nodeId: 'n1' },
      want: [invalid('spec.nodeId', 'Invalid value: "n1": must start with node-')],
    },
    {
      name: 'no message: failed rule, integers are CEL ints',
      spec: { depth: 6 },
      want: [invalid('spec.depth', 'Invalid value: 6: failed rule: self <= 5')],
    },
    {
      name: 'messageExpression',
      spec: { ratio: 0.25 },
      want: [invalid('spec.ratio', 'Invalid value: 0.25: ratio 0.25 too small')],
    },
    {
      name: 'failing messageExpression falls back to message',
      spec: { region: 'x' },
      want: [invalid('spec.region', 'Invalid value: "x": region must not be x')],
    },
    {
      name: 'timestamps, durations, fieldPath and reason',
      spec: {
        window: { startedAt: '2024-01-02T00:00:00Z', finishedAt: '2024-01-01T00:00:00Z', timeout: '2h' },
      },
      want: [
        invalid('spec.window.finishedAt', 'Invalid value: finishedAt before startedAt'),
        { reason: 'FieldValueForbidden', field: 'spec.window', message: 'Forbidden: timeout too long' },
      ],
    },
    {
      name: 'list functions',
      spec: { tags: ['b', 'a'] },
      want: [invalid('spec.tags', 'Invalid value: tags must be sorted')],
    },
    {
      name: 'maps and reason Required',
      spec: { labels: { forbidden: 'x' } },
      want: [
        { reason: 'FieldValueRequired', field: 'spec.labels', message: 'Required value: no forbidden key' },
      ],
    },
    {
      name: 'escaped property names',
      spec: { keyed: { namespace: 'a', 'node-pool': 'b' } },
      want: [invalid('spec.keyed', 'Invalid value: names differ')],
    },
    {
      name: 'evaluation errors',
      spec: { lookup: {} },
      want: [
        invalid('spec.lookup', `Invalid value: "object": no such key: a evaluating rule: self.a == 'x'`),
      ],
    },
    { name: 'transition rules are skipped on create', spec: { pipelineRunId: 'a' }, want: [] },
    {
      name: 'transition rule on update',
      spec: { pipelineRunId: 'b' },
      old: { pipelineRunId: 'a' },
      want: [invalid('spec.pipelineRunId', 'Invalid value: "b": pipelineRunId is immutable')],
    },
    {
      name: 'transition rule without old value of the field',
      spec: { pipelineRunId: 'b' },
      old: {},
      want: [],
    },
    {
      name: 'oldSelf of list-map items is correlated by key',
      spec: {
        children: [
          { nodeId: 'b', status: 'Running' },
          { nodeId: 'a', status: 'Failed' },
        ],
      },
      old: {
        children: [
          { nodeId: 'a', status: 'Succeeded' },
          { nodeId: 'b', status: 'Succeeded' },
        ],
      },
      want: [
        invalid('spec.children[0].status', 'Invalid value: "Running": status cannot leave Succeeded'),
        invalid('spec.children[1].status', 'Invalid value: "Failed": status cannot leave Succeeded'),
      ],
    },
    {
      name: 'optionalOldSelf runs on create with an empty optional',
      spec: { optional: { name: '' }, credentials: { name: 'c' } },
      want: [
        invalid(
          'spec.credentials',
          `Invalid value: "object": optional.none() dereference evaluating rule: credentials are immutable`,
        ),
      ],
    },
    {
      name: 'optionalOldSelf on update',
      spec: { optional: { name: '' }, credentials: { name: 'd' } },
      old: { optional: { name: 'a' }, credentials: { name: 'c' } },
      // In the order of the object's keys (the real server's order is Go's random map order).
      want: [
        invalid('spec.optional', 'Invalid value: name required'),
        invalid('spec.credentials', 'Invalid value: credentials are immutable'),
      ],
    },
    {
      name: 'unchanged values ratchet non-transition rules into warnings',
      spec: { nodeId: 'n1', depth: 7 },
      old: { nodeId: 'n1', depth: 6 },
      want: [invalid('spec.depth', 'Invalid value: 7: failed rule: self <= 5')],
      warnings: ['spec.nodeId: Invalid value: "n1": must start with node-'],
    },
  ];
  it.each(table)('$name', ({ spec, old, want, warnings = [] }) => {
    const result = admitCustomResource({ schema, obj: cr(spec), ...(old ? { oldObj: cr(old) } : {}) });
    expect(result.causes).toEqual(want);
    expect(result.warnings).toEqual(warnings);
  });

  it('evaluates root rules with apiVersion, kind and metadata.name', () => {
    // The root's field path is nil in the real server, which prints as <nil>.
    expect(causes({ schema, obj: { ...cr({}), metadata: { name: 'y' } } })).toEqual([
      invalid('<nil>', 'Invalid value: root rule'),
    ]);
  });

  it('skips CEL when a blocking error exists', () => {
    const s = root(
      object({
        depth: { type: 'integer' },
        nodeId: { type: 'string', 'x-kubernetes-validations': rule("self == 'x'") },
      }),
    );
    expect(causes({ schema: s, obj: cr({ depth: 'x', nodeId: 'y' }) })).toEqual([
      typeInvalid(
        'spec.depth',
        'Invalid value: "string": spec.depth in body must be of type integer: "string"',
      ),
      notChecked,
    ]);
  });

  it('runs CEL after non-blocking errors', () => {
    const s = root(
      object({
        depth: { type: 'integer', maximum: 1 },
        nodeId: { type: 'string', 'x-kubernetes-validations': rule("self == 'x'") },
      }),
    );
    expect(causes({ schema: s, obj: cr({ depth: 2, nodeId: 'y' }) })).toEqual([
      invalid('spec.depth', 'Invalid value: 2: spec.depth in body should be less than or equal to 1'),
      invalid('spec.nodeId', `Invalid value: "y": failed rule: self == 'x'`),
    ]);
  });
});

describe('formatInvalidMessage', () => {
  const a = invalid('spec.depth', 'Invalid value: 11: spec.depth in body should be less than or equal to 10');
  const b = { reason: 'FieldValueRequired', field: 'spec.pipelineRunId', message: 'Required value' };
  const table: { name: string; causes: Cause[]; want: string }[] = [
    { name: 'no causes', causes: [], want: 'PipelineRunNode.paiflow.dev "x" is invalid' },
    {
      name: 'one cause, no brackets',
      causes: [a],
      want: 'PipelineRunNode.paiflow.dev "x" is invalid: spec.depth: Invalid value: 11: spec.depth in body should be less than or equal to 10',
    },
    {
      name: 'several causes, duplicates once',
      causes: [a, b, a],
      want: 'PipelineRunNode.paiflow.dev "x" is invalid: [spec.depth: Invalid value: 11: spec.depth in body should be less than or equal to 10, spec.pipelineRunId: Required value]',
    },
  ];
  it.each(table)('$name', ({ causes: c, want }) => {
    expect(formatInvalidMessage('PipelineRunNode.paiflow.dev', 'x', c)).toBe(want);
  });
});
