import { readdirSync } from 'node:fs';

import type { JSONSchemaProps } from '../sandbox/kube-sim/schema/types.ts';
import { admit, pipelineRunNodeCrd, pipelineRunNodeSchema, yamlDocuments } from './crd.test-helper.ts';
import { API_VERSION, GROUP, KIND, PLURAL, STATUS_BOUNDS, VERSION } from './v1alpha1.ts';
import type {
  ChildNodeStatus,
  Condition,
  ObjectMeta,
  PipelineRunNode,
  PipelineRunNodeSpec,
  PipelineRunNodeStatus,
} from './v1alpha1.ts';

/**
 * Keeps src/api/v1alpha1.ts and deploy/crd.yaml from drifting apart, and checks the CRD's validation
 * and the samples with the test API server's own admission (pruning, defaulting, OpenAPI, CEL).
 */

// `Required<...>`: adding a field to the TypeScript types fails type checking here until the fixture
// has it; the schema walk below then fails until the CRD has it too, and the other way round.
const child: Required<ChildNodeStatus> = {
  nodeId: 'node-train0001-worker-0',
  nodeName: 'worker-0',
  status: 'Failed',
  startedAt: '2025-03-01T09:58:20.000Z',
  finishedAt: '2025-03-01T09:59:20.000Z',
  message: 'ERROR: OOMKilled',
};
const ready: Required<Condition> = {
  type: 'Ready',
  status: 'True',
  reason: 'Succeeded',
  message: 'Node "dlc-train" (node-train0001) succeeded at 2025-03-01T09:59:20.000Z',
  lastTransitionTime: '2025-03-01T10:00:00Z',
  observedGeneration: 2,
};
const spec: Required<PipelineRunNodeSpec> = {
  pipelineRunId: 'flow-succeeds0001',
  nodeId: 'node-train0001',
  depth: 3,
  type: 'Physical',
  region: 'cn-hangzhou',
  endpoint: 'https://paiflow-vpc.cn-hangzhou.aliyuncs.com',
  credentialsSecretRef: { name: 'paiflow-credentials' },
  tokenSecretRef: { name: 'shared-run-token', key: 'token' },
  pollInterval: '1m30s',
  suspend: false,
};
const status: Required<PipelineRunNodeStatus> = {
  observedGeneration: 2,
  phase: 'Succeeded',
  nodeId: 'node-train0001',
  nodeName: 'dlc-train',
  startedAt: '2025-03-01T09:58:20.000Z',
  finishedAt: '2025-03-01T09:59:20.000Z',
  runtimeInfo: { DLC_INSTANCE_IDS: 'dlc-1a2b3c,dlc-4d5e6f' },
  runtimeInfoRaw: 'DLC_INSTANCE_IDS=i-1;i-2',
  children: [child],
  childrenTotal: 1,
  childrenTruncated: false,
  progress: '1/1',
  reason: 'Throttled',
  lastSyncTime: '2025-03-01T10:00:00Z',
  lastHandledReconcileAt: '2025-03-01T09:59:00Z',
  conditions: [
    ready,
    { ...ready, type: 'Reconciling', status: 'False' },
    { ...ready, type: 'Stalled', status: 'False' },
    { ...ready, type: 'Synced', reason: 'Polled', message: 'The last poll of PAIFlow succeeded' },
  ],
};
const metadata: ObjectMeta = { name: 'nightly-training-train', namespace: 'default' };
const fixture: PipelineRunNode = { apiVersion: API_VERSION, kind: KIND, metadata, spec, status };

/** Paths of the leaves of a schema: `spec.depth`, `status.children[].nodeId`, `status.runtimeInfo{}`. */
function schemaLeaves(schema: JSONSchemaProps, path = ''): string[] {
  if (schema.properties !== undefined) {
    return Object.entries(schema.properties).flatMap(([name, sub]) =>
      schemaLeaves(sub, path === '' ? name : `${path}.${name}`),
    );
  }
  if (schema.items !== undefined) return schemaLeaves(schema.items, `${path}[]`);
  if (typeof schema.additionalProperties === 'object')
    return schemaLeaves(schema.additionalProperties, `${path}{}`);
  return [path];
}

/** The same paths present in a value, read with the schema's shapes (maps as `{}`). */
function valueLeaves(value: unknown, schema: JSONSchemaProps, path = ''): string[] {
  if (schema.properties !== undefined && typeof value === 'object' && value !== null) {
    return Object.entries(value as Record<string, unknown>).flatMap(([name, sub]) => {
      const subSchema = schema.properties?.[name];
      return subSchema === undefined
        ? []
        : valueLeaves(sub, subSchema, path === '' ? name : `${path}.${name}`);
    });
  }
  if (schema.items !== undefined && Array.isArray(value)) {
    const items = schema.items;
    return value.flatMap((item) => valueLeaves(item, items, `${path}[]`));
  }
  if (typeof schema.additionalProperties === 'object' && typeof value === 'object' && value !== null) {
    const values = schema.additionalProperties;
    return Object.values(value).flatMap((item) => valueLeaves(item, values, `${path}{}`));
  }
  return [path];
}

/** Every node of a schema with its path, for checks that apply to all of them. */
function schemaNodes(schema: JSONSchemaProps, path = '<root>'): [string, JSONSchemaProps][] {
  return [
    [path, schema],
    ...Object.entries(schema.properties ?? {}).flatMap(([name, sub]) => schemaNodes(sub, `${path}.${name}`)),
    ...(schema.items === undefined ? [] : schemaNodes(schema.items, `${path}[]`)),
    ...(typeof schema.additionalProperties === 'object'
      ? schemaNodes(schema.additionalProperties, `${path}{}`)
      : []),
  ];
}

const schema = pipelineRunNodeSchema();

describe('the TypeScript types and the CRD schema agree', () => {
  it('a fully populated PipelineRunNode is admitted as it is: no error, nothing pruned or defaulted', () => {
    const result = admit(fixture);
    expect({ causes: result.causes, unknownFields: result.unknownFields, warnings: result.warnings }).toEqual(
      {
        causes: [],
        unknownFields: [],
        warnings: [],
      },
    );
    expect(result.obj).toEqual(fixture);
  });

  it('the fixture holds every leaf of the schema', () => {
    const present = new Set(valueLeaves(fixture, schema));
    expect(schemaLeaves(schema).filter((leaf) => !present.has(leaf))).toEqual([]);
  });

  it('STATUS_BOUNDS are the bounds of the schema', () => {
    const at = (path: string): JSONSchemaProps | undefined =>
      schemaNodes(schema).find(([p]) => p === `<root>.${path}`)?.[1];
    expect({
      children: at('status.children')?.maxItems,
      conditions: at('status.conditions')?.maxItems,
      runtimeInfoKeys: at('status.runtimeInfo')?.maxProperties,
      runtimeInfoKeyLength: Number(
        /size\(k\) <= (\d+)/.exec(
          at('status.runtimeInfo')?.['x-kubernetes-validations']?.[0]?.rule ?? '',
        )?.[1],
      ),
      runtimeInfoValueLength: at('status.runtimeInfo{}')?.maxLength,
      runtimeInfoRawLength: at('status.runtimeInfoRaw')?.maxLength,
      phaseLength: at('status.phase')?.maxLength,
      nodeIdLength: at('status.nodeId')?.maxLength,
      nodeNameLength: at('status.nodeName')?.maxLength,
      childMessageLength: at('status.children[].message')?.maxLength,
      reconcileRequestLength: at('status.lastHandledReconcileAt')?.maxLength,
      conditionMessageLength: at('status.conditions[].message')?.maxLength,
    }).toEqual(STATUS_BOUNDS);
    expect(at('status.children[].nodeId')?.maxLength).toBe(STATUS_BOUNDS.nodeIdLength);
    expect(at('status.children[].nodeName')?.maxLength).toBe(STATUS_BOUNDS.nodeNameLength);
    expect(at('status.children[].status')?.maxLength).toBe(STATUS_BOUNDS.phaseLength);
    expect(at('spec.nodeId')?.maxLength).toBe(STATUS_BOUNDS.nodeIdLength);
  });
});

describe('the CRD', () => {
  const crd = pipelineRunNodeCrd();

  it('names, scope, version and subresources', () => {
    expect(crd.metadata.name).toBe(`${PLURAL}.${GROUP}`);
    expect(crd.spec).toMatchObject({
      group: GROUP,
      scope: 'Namespaced',
      names: {
        plural: PLURAL,
        singular: 'pipelinerunnode',
        kind: KIND,
        shortNames: ['prn'],
        categories: ['paiflow'],
      },
    });
    expect(crd.spec.versions).toHaveLength(1);
    expect(crd.spec.versions[0]).toMatchObject({
      name: VERSION,
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it('printer columns', () => {
    const columns = crd.spec.versions[0]?.additionalPrinterColumns?.map(
      ({ name, type, jsonPath, priority }) => ({
        name,
        type,
        jsonPath,
        priority: priority ?? 0,
      }),
    );
    expect(columns).toEqual([
      {
        name: 'Ready',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].status',
        priority: 0,
      },
      {
        name: 'Synced',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Synced")].status',
        priority: 0,
      },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', priority: 0 },
      { name: 'Progress', type: 'string', jsonPath: '.status.progress', priority: 0 },
      { name: 'Reason', type: 'string', jsonPath: '.status.reason', priority: 0 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', priority: 0 },
      { name: 'Run', type: 'string', jsonPath: '.spec.pipelineRunId', priority: 1 },
      { name: 'Node', type: 'string', jsonPath: '.status.nodeName', priority: 1 },
      { name: 'Last Poll', type: 'date', jsonPath: '.status.lastSyncTime', priority: 1 },
      {
        name: 'Message',
        type: 'string',
        jsonPath: '.status.conditions[?(@.type=="Ready")].message',
        priority: 1,
      },
    ]);
  });

  it('describes every field, so that kubectl explain teaches the API', () => {
    const undescribed = schemaNodes(schema)
      // The API server refuses a description on metadata; kubectl explain shows ObjectMeta's there.
      .filter(([path]) => path !== '<root>.metadata')
      .filter(([, node]) => (node.description ?? '').trim().length < 10)
      .map(([path]) => path);
    expect(undescribed).toEqual([]);
  });

  it('bounds every status string and list', () => {
    const unbounded = schemaNodes(schema.properties?.status ?? {})
      .filter(([, node]) =>
        node.type === 'string'
          ? node.maxLength === undefined && node.format !== 'date-time' && node.enum === undefined
          : node.type === 'array' && node.maxItems === undefined,
      )
      .map(([path]) => path);
    expect(unbounded).toEqual([]);
  });
});

describe('spec validation', () => {
  const withSpec = (overrides: Record<string, unknown>, drop: string[] = []): unknown => {
    const s = Object.entries({ pipelineRunId: 'flow-rbvg5wzljzjhc9xxxx', ...overrides }).filter(
      ([key]) => !drop.includes(key),
    );
    return { apiVersion: API_VERSION, kind: KIND, metadata, spec: Object.fromEntries(s) };
  };
  /** `field: message` of each cause, messages shortened to what tells them apart. */
  const problems = (obj: unknown, oldObj?: unknown): string[] =>
    admit(obj, oldObj).causes.map(
      (c) => `${c.field}: ${c.message.replace(/^Invalid value: ("[^"]*": )?/, '')}`,
    );

  const valid: { name: string; input: Record<string, unknown> }[] = [
    { name: 'minimal', input: {} },
    { name: 'physical, depth 10', input: { nodeId: 'node-1jlzg7ncv0j6i3xxxx', type: 'Physical', depth: 10 } },
    { name: 'depth 1', input: { depth: 1 } },
    { name: 'regions', input: { region: 'ap-southeast-1' } },
    { name: 'https VPC endpoint', input: { endpoint: 'https://paiflow-vpc.cn-hangzhou.aliyuncs.com' } },
    { name: 'http endpoint with a port and a slash', input: { endpoint: 'http://127.0.0.1:8080/' } },
    { name: 'IPv6 endpoint', input: { endpoint: 'http://[::1]:8080' } },
    { name: 'Secret names with dots', input: { credentialsSecretRef: { name: 'pai.creds-1' } } },
    { name: 'token key', input: { tokenSecretRef: { name: 'share', key: 'share_token.v1' } } },
    ...['30s', '2m', '1h30m', '1.5m', '500ms', '24h'].map((pollInterval) => ({
      name: `pollInterval ${pollInterval}`,
      input: { pollInterval },
    })),
    { name: 'suspend', input: { suspend: true } },
  ];
  it.each(valid)('accepts $name', ({ input }) => {
    expect(problems(withSpec(input))).toEqual([]);
  });

  it('defaults depth to 2 and type to Logical', () => {
    expect(admit(withSpec({})).obj.spec).toEqual({
      pipelineRunId: 'flow-rbvg5wzljzjhc9xxxx',
      depth: 2,
      type: 'Logical',
    });
  });

  const invalid: { name: string; input: [Record<string, unknown>, string[]?]; want: RegExp }[] = [
    { name: 'no pipelineRunId', input: [{}, ['pipelineRunId']], want: /^spec.pipelineRunId: Required value/ },
    {
      name: 'empty pipelineRunId',
      input: [{ pipelineRunId: '' }],
      want: /^spec.pipelineRunId: .*at least 1/,
    },
    {
      name: 'pipelineRunId with a slash',
      input: [{ pipelineRunId: 'flow-a/../b' }],
      want: /^spec.pipelineRunId: .*should match/,
    },
    {
      name: 'pipelineRunId too long',
      input: [{ pipelineRunId: `flow-${'a'.repeat(124)}` }],
      want: /^spec.pipelineRunId: Too long: may not be more than 128/,
    },
    { name: 'nodeId with a query', input: [{ nodeId: 'node-1?x=1' }], want: /^spec.nodeId: .*should match/ },
    { name: 'empty nodeId', input: [{ nodeId: '' }], want: /^spec.nodeId: .*at least 1/ },
    { name: 'depth 0', input: [{ depth: 0 }], want: /^spec.depth: .*greater than or equal to 1/ },
    { name: 'depth 11', input: [{ depth: 11 }], want: /^spec.depth: .*less than or equal to 10/ },
    { name: 'type', input: [{ type: 'logical' }], want: /^spec.type: Unsupported value: "logical"/ },
    { name: 'region', input: [{ region: 'CN_Hangzhou' }], want: /^spec.region: .*should match/ },
    {
      name: 'endpoint without a scheme',
      input: [{ endpoint: 'paiflow.cn-hangzhou.aliyuncs.com' }],
      want: /^spec.endpoint: .*should match/,
    },
    {
      name: 'endpoint with user info',
      input: [{ endpoint: 'https://me:pw@evil.example' }],
      want: /^spec.endpoint: .*should match/,
    },
    {
      name: 'endpoint with a path',
      input: [{ endpoint: 'https://proxy.example/paiflow' }],
      want: /^spec.endpoint: .*should match/,
    },
    {
      name: 'endpoint with a query',
      input: [{ endpoint: 'https://proxy.example?token=x' }],
      want: /^spec.endpoint: .*should match/,
    },
    {
      name: 'endpoint ftp',
      input: [{ endpoint: 'ftp://proxy.example' }],
      want: /^spec.endpoint: .*should match/,
    },
    {
      name: 'Secret name not DNS-1123',
      input: [{ credentialsSecretRef: { name: 'My_Secret' } }],
      want: /^spec.credentialsSecretRef.name: .*should match/,
    },
    {
      name: 'credentialsSecretRef without name',
      input: [{ credentialsSecretRef: {} }],
      want: /^spec.credentialsSecretRef.name: Required value/,
    },
    {
      name: 'tokenSecretRef without key',
      input: [{ tokenSecretRef: { name: 'share' } }],
      want: /^spec.tokenSecretRef.key: Required value/,
    },
    {
      name: 'tokenSecretRef key with a slash',
      input: [{ tokenSecretRef: { name: 'share', key: 'a/b' } }],
      want: /^spec.tokenSecretRef.key: .*should match/,
    },
    {
      name: 'pollInterval without unit',
      input: [{ pollInterval: '30' }],
      want: /^spec.pollInterval: .*should match/,
    },
    {
      name: 'pollInterval negative',
      input: [{ pollInterval: '-1m' }],
      want: /^spec.pollInterval: .*should match/,
    },
    {
      name: 'pollInterval days',
      input: [{ pollInterval: '1d' }],
      want: /^spec.pollInterval: .*should match/,
    },
    {
      name: 'pollInterval 0s',
      input: [{ pollInterval: '0s' }],
      want: /^spec.pollInterval: pollInterval must be more than 0s and at most 24h$/,
    },
    {
      name: 'pollInterval 25h',
      input: [{ pollInterval: '25h' }],
      want: /^spec.pollInterval: pollInterval must be more than 0s and at most 24h$/,
    },
    {
      name: 'suspend as a string',
      input: [{ suspend: 'yes' }],
      want: /^spec.suspend: .*must be of type boolean/,
    },
  ];
  it.each(invalid)('rejects $name', ({ input: [overrides, drop], want }) => {
    expect(problems(withSpec(overrides, drop))).toEqual(
      expect.arrayContaining([expect.stringMatching(want)]),
    );
  });

  it('prunes unknown fields', () => {
    expect(admit(withSpec({ tokenId: 'secret' })).unknownFields).toEqual(['spec.tokenId']);
  });

  const updates: {
    name: string;
    input: [Record<string, unknown>, Record<string, unknown>];
    want: string[];
  }[] = [
    {
      name: 'depth, type, interval and suspend may change',
      input: [
        { nodeId: 'n1' },
        { nodeId: 'n1', depth: 5, type: 'Physical', pollInterval: '5m', suspend: true },
      ],
      want: [],
    },
    {
      name: 'pipelineRunId is immutable',
      input: [{}, { pipelineRunId: 'flow-other' }],
      want: [
        'spec.pipelineRunId: pipelineRunId is immutable; create another PipelineRunNode to track another run',
      ],
    },
    {
      name: 'nodeId is immutable',
      input: [{ nodeId: 'n1' }, { nodeId: 'n2' }],
      want: ['spec.nodeId: nodeId is immutable; create another PipelineRunNode to track another node'],
    },
    {
      name: 'nodeId cannot be added',
      input: [{}, { nodeId: 'n1' }],
      want: [
        'spec: nodeId cannot be added or removed after creation; create another PipelineRunNode to track another node',
      ],
    },
    {
      name: 'nodeId cannot be removed',
      input: [{ nodeId: 'n1' }, {}],
      want: [
        'spec: nodeId cannot be added or removed after creation; create another PipelineRunNode to track another node',
      ],
    },
  ];
  it.each(updates)('update: $name', ({ input: [before, after], want }) => {
    const old = admit(withSpec(before)).obj;
    expect(problems(withSpec(after), old)).toEqual(want);
  });
});

describe('status validation', () => {
  const withStatus = (s: unknown): unknown => ({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata,
    spec,
    status: s,
  });
  it.each([
    {
      name: 'too many children',
      input: { children: Array.from({ length: 101 }, () => child) },
      want: 'status.children',
    },
    {
      name: 'duplicate condition types',
      input: { conditions: [ready, ready] },
      want: 'status.conditions[1]',
    },
    {
      name: 'a bad condition status',
      input: { conditions: [{ ...ready, status: 'Yes' }] },
      want: 'status.conditions[0].status',
    },
    {
      name: 'a reason that is not a word',
      input: { conditions: [{ ...ready, reason: 'not a word' }] },
      want: 'status.conditions[0].reason',
    },
    {
      name: 'too many RuntimeInfo keys',
      input: { runtimeInfo: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) },
      want: 'status.runtimeInfo',
    },
    {
      name: 'a long RuntimeInfo key',
      input: { runtimeInfo: { ['k'.repeat(257)]: 'v' } },
      want: 'status.runtimeInfo',
    },
    { name: 'progress not n/m', input: { progress: 'half' }, want: 'status.progress' },
    { name: 'a time that is not one', input: { lastSyncTime: 'yesterday' }, want: 'status.lastSyncTime' },
  ])('rejects $name', ({ input, want }) => {
    expect(admit(withStatus(input)).causes.map((c) => c.field)).toContain(want);
  });
});

describe('deploy/samples', () => {
  const files = readdirSync(new URL('../../deploy/samples/', import.meta.url)).filter((f) =>
    /^prn-.*\.yaml$/.test(f),
  );
  const scenario = yamlDocuments('deploy/samples/paiflow-scenario.yaml')[0] as {
    runs: { id: string; shareToken?: string; nodes: unknown[] }[];
  };
  const nodeIds = (nodes: unknown[]): string[] =>
    (nodes as { id: string; children?: unknown[]; physical?: unknown[] }[]).flatMap((n) => [
      n.id,
      ...nodeIds(n.children ?? []),
      ...nodeIds(n.physical ?? []),
    ]);

  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  describe.each(files)('%s', (file) => {
    const docs = yamlDocuments(`deploy/samples/${file}`) as Record<string, unknown>[];
    const resources = docs.filter((d) => d.kind === KIND) as unknown as PipelineRunNode[];
    const secrets = docs.filter((d) => d.kind === 'Secret') as {
      metadata: { name: string };
      stringData?: Record<string, string>;
    }[];

    it('holds PipelineRunNodes the API server admits unchanged but for defaults', () => {
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) {
        const result = admit(resource);
        expect({ causes: result.causes, unknownFields: result.unknownFields }).toEqual({
          causes: [],
          unknownFields: [],
        });
        expect(result.obj).toMatchObject(resource as unknown as Record<string, unknown>);
      }
    });

    it('tracks runs and nodes of paiflow-scenario.yaml', () => {
      for (const { spec: s } of resources) {
        const run = scenario.runs.find((r) => r.id === s.pipelineRunId);
        expect(run).toBeDefined();
        if (s.nodeId !== undefined) expect(nodeIds(run?.nodes ?? [])).toContain(s.nodeId);
        if (run?.shareToken !== undefined) {
          const ref = s.tokenSecretRef;
          expect(secrets.find((x) => x.metadata.name === ref?.name)?.stringData?.[ref?.key ?? '']).toBe(
            run.shareToken,
          );
        }
      }
    });

    it('ships the Secrets it references, with the keys the controller reads', () => {
      for (const { spec: s } of resources) {
        if (s.credentialsSecretRef !== undefined) {
          const secret = secrets.find((x) => x.metadata.name === s.credentialsSecretRef?.name);
          expect(Object.keys(secret?.stringData ?? {})).toEqual(
            expect.arrayContaining(['accessKeyId', 'accessKeySecret']),
          );
        }
        if (s.tokenSecretRef !== undefined) {
          expect(secrets.find((x) => x.metadata.name === s.tokenSecretRef?.name)?.stringData).toHaveProperty(
            s.tokenSecretRef.key,
          );
        }
      }
    });
  });

  it('cover the cases users ask about', () => {
    const all = files
      .flatMap((f) => yamlDocuments(`deploy/samples/${f}`) as { kind?: string }[])
      .filter((d) => d.kind === KIND) as PipelineRunNode[];
    expect(all.some((r) => r.spec.nodeId === undefined)).toBe(true);
    expect(all.some((r) => r.spec.suspend === true)).toBe(true);
    expect(all.some((r) => r.spec.tokenSecretRef !== undefined)).toBe(true);
    expect(all.some((r) => r.spec.credentialsSecretRef !== undefined)).toBe(true);
    expect(all.some((r) => r.spec.pollInterval !== undefined)).toBe(true);
  });
});
