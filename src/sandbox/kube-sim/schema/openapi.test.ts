/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- the tests walk the documents as loose JSON */
import {
  openApiV2,
  openApiV3ForGroupVersion,
  openApiV3Hash,
  openApiV3Index,
  openApiV3Path,
} from './openapi.ts';
import type { CustomResourceDefinition } from './types.ts';

const crd: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'pipelinerunnodes.paiflow.dev' },
  spec: {
    group: 'paiflow.dev',
    names: {
      plural: 'pipelinerunnodes',
      singular: 'pipelinerunnode',
      kind: 'PipelineRunNode',
      listKind: 'PipelineRunNodeList',
      shortNames: ['prn'],
    },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'PipelineRunNode tracks a PAI pipeline run node.',
            properties: {
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['pipelineRunId'],
                properties: {
                  pipelineRunId: { type: 'string', description: 'The PAI pipeline run ID.' },
                  depth: { type: 'integer', default: 2 },
                  maxUnavailable: { 'x-kubernetes-int-or-string': true },
                  note: { type: 'string', nullable: true },
                  template: {
                    type: 'object',
                    'x-kubernetes-embedded-resource': true,
                    'x-kubernetes-preserve-unknown-fields': true,
                  },
                },
              },
            },
          },
        },
      },
      { name: 'v1beta1', served: false, storage: false },
    ],
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see the file header
type Doc = Record<string, any>;

describe('openApiV3ForGroupVersion', () => {
  const doc = openApiV3ForGroupVersion({ group: 'paiflow.dev', version: 'v1alpha1', crds: [crd] }) as Doc;
  const kind = doc.components.schemas['dev.paiflow.v1alpha1.PipelineRunNode'];

  it('names schemas reversed-group.version.Kind and marks their GVK', () => {
    expect(doc.openapi).toBe('3.0.0');
    expect(kind['x-kubernetes-group-version-kind']).toEqual([
      { group: 'paiflow.dev', kind: 'PipelineRunNode', version: 'v1alpha1' },
    ]);
    expect(
      doc.components.schemas['dev.paiflow.v1alpha1.PipelineRunNodeList']['x-kubernetes-group-version-kind'],
    ).toEqual([{ group: 'paiflow.dev', kind: 'PipelineRunNodeList', version: 'v1alpha1' }]);
    expect(doc.components.schemas['dev.paiflow.v1alpha1.PipelineRunNodeList'].properties.items.items).toEqual(
      {
        $ref: '#/components/schemas/dev.paiflow.v1alpha1.PipelineRunNode',
      },
    );
  });

  it('publishes the CRD schema with type meta and ObjectMeta', () => {
    expect(kind.description).toBe('PipelineRunNode tracks a PAI pipeline run node.');
    expect(kind.properties.apiVersion.type).toBe('string');
    expect(kind.properties.kind.type).toBe('string');
    expect(kind.properties.metadata.allOf).toEqual([
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
    ]);
    expect(kind.properties.spec.required).toEqual(['pipelineRunId']);
    expect(kind.properties.spec.properties.depth).toEqual({ type: 'integer', default: 2 });
    expect(kind.properties.spec.properties.maxUnavailable.anyOf).toEqual([
      { type: 'integer' },
      { type: 'string' },
    ]);
    expect(Object.keys(kind.properties.spec.properties.template.properties)).toEqual([
      'apiVersion',
      'kind',
      'metadata',
    ]);
  });

  it('includes every meta type it refers to', () => {
    const refs = new Set(JSON.stringify(doc).match(/#\/components\/schemas\/[^"]+/g));
    for (const ref of refs)
      expect(doc.components.schemas[ref.replace('#/components/schemas/', '')]).toBeDefined();
  });

  it('publishes the REST paths with the PATCH fieldValidation parameter kubectl looks for', () => {
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/apis/paiflow.dev/v1alpha1/namespaces/{namespace}/pipelinerunnodes',
      '/apis/paiflow.dev/v1alpha1/namespaces/{namespace}/pipelinerunnodes/{name}',
      '/apis/paiflow.dev/v1alpha1/namespaces/{namespace}/pipelinerunnodes/{name}/status',
      '/apis/paiflow.dev/v1alpha1/pipelinerunnodes',
    ]);
    const patch =
      doc.paths['/apis/paiflow.dev/v1alpha1/namespaces/{namespace}/pipelinerunnodes/{name}'].patch;
    expect(patch.operationId).toBe('patchPaiflowDevV1alpha1NamespacedPipelineRunNode');
    expect(patch['x-kubernetes-action']).toBe('patch');
    expect(patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'paiflow.dev',
      kind: 'PipelineRunNode',
      version: 'v1alpha1',
    });
    expect(patch.parameters.find((p: Doc) => p.name === 'fieldValidation')).toMatchObject({
      in: 'query',
      schema: { type: 'string' },
    });
    expect(Object.keys(patch.requestBody.content)).toEqual([
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/apply-patch+yaml',
    ]);
  });

  it('serves built-in kinds in their group-versions', () => {
    const core = openApiV3ForGroupVersion({ group: '', version: 'v1', crds: [crd] }) as Doc;
    expect(Object.keys(core.components.schemas)).toEqual(
      expect.arrayContaining([
        'io.k8s.api.core.v1.Namespace',
        'io.k8s.api.core.v1.Secret',
        'io.k8s.api.core.v1.Event',
      ]),
    );
    expect(core.components.schemas['dev.paiflow.v1alpha1.PipelineRunNode']).toBeUndefined();
    expect(core.paths['/api/v1/namespaces/{name}'].patch.requestBody.content).toHaveProperty([
      'application/strategic-merge-patch+json',
    ]);
    const lease = openApiV3ForGroupVersion({ group: 'coordination.k8s.io', version: 'v1', crds: [] }) as Doc;
    expect(
      lease.components.schemas['io.k8s.api.coordination.v1.Lease']['x-kubernetes-group-version-kind'],
    ).toEqual([{ group: 'coordination.k8s.io', kind: 'Lease', version: 'v1' }]);
    expect(
      lease.paths['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}'].get.operationId,
    ).toBe('readCoordinationV1NamespacedLease');
  });

  it('serves nothing for an unserved version', () => {
    const doc = openApiV3ForGroupVersion({ group: 'paiflow.dev', version: 'v1beta1', crds: [crd] }) as Doc;
    expect(doc.paths).toEqual({});
  });
});

describe('openApiV3Index', () => {
  it('lists group-versions with hashed URLs', () => {
    const core = openApiV3ForGroupVersion({ group: '', version: 'v1', crds: [] });
    const prn = openApiV3ForGroupVersion({ group: 'paiflow.dev', version: 'v1alpha1', crds: [crd] });
    const index = openApiV3Index([
      { group: '', version: 'v1', document: core },
      { group: 'paiflow.dev', version: 'v1alpha1', document: prn },
    ]);
    expect(openApiV3Path('', 'v1')).toBe('api/v1');
    expect(index).toEqual({
      paths: {
        'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${openApiV3Hash(core)}` },
        'apis/paiflow.dev/v1alpha1': {
          serverRelativeURL: `/openapi/v3/apis/paiflow.dev/v1alpha1?hash=${openApiV3Hash(prn)}`,
        },
      },
    });
    expect(openApiV3Hash(prn)).toMatch(/^[0-9A-F]{128}$/);
  });
});

describe('openApiV2', () => {
  const doc = openApiV2({ crds: [crd] }) as Doc;

  it('is swagger 2.0 with definitions and #/definitions references', () => {
    expect(doc.swagger).toBe('2.0');
    const kind = doc.definitions['dev.paiflow.v1alpha1.PipelineRunNode'];
    expect(kind.properties.metadata).toEqual({
      $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      description: expect.any(String),
    });
    expect(JSON.stringify(doc)).not.toContain('#/components/');
    expect(Object.keys(doc.definitions)).toEqual(
      expect.arrayContaining(['io.k8s.api.core.v1.Secret', 'io.k8s.api.coordination.v1.Lease']),
    );
  });

  it('drops what swagger 2.0 cannot say', () => {
    const spec = doc.definitions['dev.paiflow.v1alpha1.PipelineRunNode'].properties.spec.properties;
    expect(spec.note).toEqual({});
    expect(spec.maxUnavailable).toEqual({ 'x-kubernetes-int-or-string': true });
  });

  it('keeps PATCH parameters in swagger style', () => {
    const patch =
      doc.paths['/apis/paiflow.dev/v1alpha1/namespaces/{namespace}/pipelinerunnodes/{name}'].patch;
    expect(patch.parameters[0]).toEqual({
      name: 'body',
      in: 'body',
      required: true,
      schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' },
    });
    expect(patch.parameters.find((p: Doc) => p.name === 'fieldValidation')).toMatchObject({
      in: 'query',
      type: 'string',
    });
  });
});
