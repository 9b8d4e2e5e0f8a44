import { findJsonPathResults } from './jsonpath.ts';
import { buildTable, humanDuration } from './table.ts';
import type { AdditionalPrinterColumn } from './types.ts';

const now = Date.parse('2024-05-01T12:00:00Z');
const prn = {
  apiVersion: 'paiflow.dev/v1alpha1',
  kind: 'PipelineRunNode',
  metadata: {
    name: 'train',
    namespace: 'ml',
    creationTimestamp: '2024-05-01T11:55:00Z',
    labels: { 'app.kubernetes.io/name': 'trainer' },
  },
  spec: { pipelineRunId: 'flow-1', depth: 2, items: [{ name: 'a' }, { name: 'b' }], weights: { x: 1 } },
  status: {
    phase: 'Running',
    progress: '1/3',
    startedAt: '2024-05-01T09:30:00Z',
    ratio: 0.5,
    ready: false,
    note: null,
    conditions: [
      { type: 'Reconciling', status: 'True' },
      { type: 'Ready', status: 'Unknown', message: 'waiting' },
    ],
  },
};

describe('findJsonPathResults (Kubernetes JSONPath)', () => {
  const table: { name: string; path: string; want: unknown[] }[] = [
    { name: 'field', path: '.status.phase', want: ['Running'] },
    { name: 'braces are accepted', path: '{.status.phase}', want: ['Running'] },
    { name: 'missing key', path: '.status.nope', want: [] },
    { name: 'field of a scalar', path: '.status.phase.x', want: [] },
    { name: 'null value is a result', path: '.status.note', want: [null] },
    { name: 'filter', path: '.status.conditions[?(@.type=="Ready")].status', want: ['Unknown'] },
    {
      name: 'filter with single quotes and spaces',
      path: ".status.conditions[?(@.type == 'Ready')].message",
      want: ['waiting'],
    },
    { name: 'filter without match', path: '.status.conditions[?(@.type=="Stalled")].status', want: [] },
    { name: 'filter on existence', path: '.status.conditions[?(@.message)].type', want: ['Ready'] },
    { name: 'filter with !=', path: '.status.conditions[?(@.status!="True")].type', want: ['Ready'] },
    { name: 'numeric filter', path: '.spec.items[?(@.name>"a")].name', want: ['b'] },
    { name: 'wildcard', path: '.spec.items[*].name', want: ['a', 'b'] },
    { name: 'index', path: '.spec.items[1].name', want: ['b'] },
    { name: 'negative index', path: '.spec.items[-1].name', want: ['b'] },
    { name: 'slice', path: '.spec.items[0:1].name', want: ['a'] },
    { name: 'escaped dots', path: '.metadata.labels.app\\.kubernetes\\.io/name', want: ['trainer'] },
    { name: 'bracket key', path: ".metadata.labels['app.kubernetes.io/name']", want: ['trainer'] },
    { name: 'recursive descent', path: '..name', want: ['train', 'a', 'b'] },
    { name: 'map wildcard', path: '.spec.weights.*', want: [1] },
  ];
  it.each(table)('$name', ({ path, want }) => {
    expect(findJsonPathResults(path, prn)).toEqual(want);
  });

  it.each([
    { name: 'index out of range', path: '.spec.items[5].name' },
    { name: 'filter on a map', path: '.spec.weights[?(@.x==1)]' },
    { name: 'incompatible comparison', path: '.status.conditions[?(@.type==1)].status' },
    { name: 'unterminated bracket', path: '.spec.items[0' },
  ])('throws on $name', ({ path }) => {
    expect(() => findJsonPathResults(path, prn)).toThrow();
  });
});

describe('buildTable', () => {
  const columns: AdditionalPrinterColumn[] = [
    { name: 'Status', type: 'string', jsonPath: '.status.phase' },
    { name: 'Progress', type: 'string', jsonPath: '.status.progress', description: 'finished/total' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Started', type: 'date', jsonPath: '.status.startedAt' },
    { name: 'Depth', type: 'integer', jsonPath: '.spec.depth', priority: 1 },
    { name: 'Ratio', type: 'number', jsonPath: '.status.ratio', priority: 1 },
    { name: 'Flag', type: 'boolean', jsonPath: '.status.ready', priority: 1 },
    { name: 'First', type: 'string', jsonPath: '.spec.items[*].name', priority: 1 },
    {
      name: 'Message',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Stalled")].message',
      priority: 1,
    },
    { name: 'Note', type: 'string', jsonPath: '.status.note', priority: 1 },
    { name: 'Items', type: 'string', jsonPath: '.spec.items', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];

  it('builds the column definitions with the implicit Name column first', () => {
    const table = buildTable({ columns, objects: [], now });
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.metadata).toEqual({});
    const defs = table.columnDefinitions as Record<string, unknown>[];
    expect(defs.map((d) => [d.name, d.type, d.format, d.priority])).toEqual([
      ['Name', 'string', 'name', 0],
      ['Status', 'string', '', 0],
      ['Progress', 'string', '', 0],
      ['Ready', 'string', '', 0],
      ['Started', 'date', '', 0],
      ['Depth', 'integer', '', 1],
      ['Ratio', 'number', '', 1],
      ['Flag', 'boolean', '', 1],
      ['First', 'string', '', 1],
      ['Message', 'string', '', 1],
      ['Note', 'string', '', 1],
      ['Items', 'string', '', 1],
      ['Age', 'date', '', 0],
    ]);
    expect(defs[1]?.description).toBe(
      'Custom resource definition column (in JSONPath format): .status.phase',
    );
    expect(defs[2]?.description).toBe('finished/total');
    expect(String(defs[0]?.description)).toMatch(/^Name must be unique within a namespace\./);
  });

  it('renders typed cells, empty cells as null and dates as ages', () => {
    const table = buildTable({
      columns,
      objects: [prn],
      now,
      listMeta: { resourceVersion: '42', continue: 'c' },
    });
    expect(table.metadata).toEqual({ resourceVersion: '42', continue: 'c' });
    expect(table.rows).toEqual([
      {
        cells: [
          'train',
          'Running',
          '1/3',
          'Unknown',
          '150m',
          2,
          0.5,
          false,
          'a',
          null,
          '<no value>',
          '[{"name":"a"},{"name":"b"}]',
          '5m',
        ],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: prn.metadata },
      },
    ]);
  });

  it.each([
    { name: 'Object', includeObject: 'Object' as const, want: prn },
    { name: 'None', includeObject: 'None' as const, want: null },
  ])('includes the row object for includeObject=$name', ({ includeObject, want }) => {
    const table = buildTable({ columns, objects: [prn], now, includeObject });
    expect((table.rows as { object: unknown }[])[0]?.object).toEqual(want);
  });

  it('adds the Age column when the CRD defines none', () => {
    const table = buildTable({ columns: [], objects: [prn], now });
    expect(
      (table.columnDefinitions as { name: string; type: string }[]).map((c) => [c.name, c.type]),
    ).toEqual([
      ['Name', 'string'],
      ['Age', 'date'],
    ]);
    expect((table.rows as { cells: unknown[] }[])[0]?.cells).toEqual(['train', '5m']);
  });

  it.each([
    { name: 'invalid timestamp', value: 'yesterday', want: '<invalid>' },
    { name: 'empty timestamp', value: '', want: '<unknown>' },
    { name: 'future beyond tolerance', value: '2024-05-01T12:00:05Z', want: '<invalid>' },
    { name: 'fractional seconds and offsets', value: '2024-05-01T13:59:00.5+02:00', want: '59s' },
  ])('renders dates: $name', ({ value, want }) => {
    const obj = { ...prn, status: { startedAt: value } };
    const table = buildTable({
      columns: [{ name: 'Started', type: 'date', jsonPath: '.status.startedAt' }],
      objects: [obj],
      now,
    });
    expect((table.rows as { cells: unknown[] }[])[0]?.cells[1]).toBe(want);
  });

  it('leaves the cell empty when the column path is invalid or type does not match', () => {
    const table = buildTable({
      columns: [
        { name: 'Bad', type: 'string', jsonPath: '.spec.items[9]' },
        { name: 'Mismatch', type: 'integer', jsonPath: '.status.phase' },
      ],
      objects: [prn],
      now,
    });
    expect((table.rows as { cells: unknown[] }[])[0]?.cells).toEqual(['train', null, null]);
  });
});

describe('humanDuration', () => {
  const s = 1000;
  const table: { ms: number; want: string }[] = [
    { ms: -3 * s, want: '<invalid>' },
    { ms: -1.5 * s, want: '0s' },
    { ms: 0, want: '0s' },
    { ms: 119 * s, want: '119s' },
    { ms: 120 * s, want: '2m' },
    { ms: 150 * s, want: '2m30s' },
    { ms: 10 * 60 * s, want: '10m' },
    { ms: 179 * 60 * s, want: '179m' },
    { ms: 3 * 3600 * s, want: '3h' },
    { ms: (3 * 3600 + 5 * 60) * s, want: '3h5m' },
    { ms: 47 * 3600 * s, want: '47h' },
    { ms: 50 * 3600 * s, want: '2d2h' },
    { ms: 72 * 3600 * s, want: '3d' },
    { ms: 400 * 24 * 3600 * s, want: '400d' },
    { ms: (3 * 365 + 10) * 24 * 3600 * s, want: '3y10d' },
    { ms: 9 * 365 * 24 * 3600 * s, want: '9y' },
  ];
  it.each(table)('$ms ms is $want', ({ ms, want }) => {
    expect(humanDuration(ms)).toBe(want);
  });
});
