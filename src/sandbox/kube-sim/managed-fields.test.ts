import { describe, expect, it } from '@jest/globals';
import { compare, fromFieldsV1, pathKey, toFieldSet, toFieldsV1 } from './field-set.ts';
import { applyConfiguration, trackUpdate } from './managed-fields.ts';
import type { KubeObject } from './object-meta.ts';
import { objectSchema, schemaNode } from './structural-schema.ts';

/** Field ownership as structured-merge-diff computes it, on a PipelineRunNode-like schema. */

const node = schemaNode(
  objectSchema({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: { depth: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
      },
      status: {
        type: 'object',
        properties: {
          phase: { type: 'string' },
          conditions: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['type'],
            items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } },
          },
        },
      },
    },
  }),
);

const writer = (manager: string, subresource = '') => ({
  manager,
  apiVersion: 'paiflow.dev/v1alpha1',
  subresource,
  now: '2025-01-01T00:00:00Z',
});
const base = (): KubeObject => ({
  apiVersion: 'paiflow.dev/v1alpha1',
  kind: 'PipelineRunNode',
  metadata: { name: 'x', namespace: 'default' },
});

describe('field sets', () => {
  it('round-trips fieldsV1 with "." on members that have children', () => {
    const set = toFieldSet(node, {
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
      metadata: { labels: { a: 'b' } },
    });
    const encoded = toFieldsV1(set);
    expect(encoded).toEqual({
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } } },
    });
    expect(fromFieldsV1(encoded)).toEqual(set);
  });

  it('compares like structured-merge-diff: new containers are added themselves, atomic lists are leaves', () => {
    const diff = compare(
      node,
      { spec: { depth: 1, tags: ['a'] } },
      { spec: { depth: 2, tags: ['a', 'b'] }, status: { phase: 'x' } },
    );
    expect([...diff.modified].sort()).toEqual(
      [pathKey(['f:spec', 'f:depth']), pathKey(['f:spec', 'f:tags'])].sort(),
    );
    expect([...diff.added].sort()).toEqual([pathKey(['f:status']), pathKey(['f:status', 'f:phase'])].sort());
    expect(diff.removed.size).toBe(0);
  });
});

describe('trackUpdate', () => {
  it('gives the writer what it changed and takes it from the previous owner', () => {
    const created: KubeObject = { ...base(), spec: { depth: 1 } };
    trackUpdate(node, undefined, created, writer('creator'));
    const updated = structuredClone(created);
    updated.spec = { depth: 2 };
    trackUpdate(node, created, updated, writer('editor'));
    // The creator keeps `spec` itself (it created the struct); the leaf moves to the editor.
    expect((updated.metadata as { managedFields: unknown[] }).managedFields).toEqual([
      expect.objectContaining({ manager: 'creator', operation: 'Update', fieldsV1: { 'f:spec': {} } }),
      expect.objectContaining({
        manager: 'editor',
        operation: 'Update',
        fieldsV1: { 'f:spec': { 'f:depth': {} } },
      }),
    ]);
  });
});

describe('applyConfiguration', () => {
  const apply = (
    live: KubeObject | undefined,
    config: KubeObject,
    manager: string,
    force = false,
    subresource = '',
  ) =>
    applyConfiguration({
      node,
      live,
      base: live ?? base(),
      config,
      writer: writer(manager, subresource),
      force,
      resetStatus: subresource === '',
    });

  it('conflicts with another owner of a value it changes unless forced', () => {
    const live = { ...base(), spec: { depth: 1 } };
    trackUpdate(node, undefined, live, writer('kubectl-edit'));
    const result = apply(live, { ...base(), spec: { depth: 3 } }, 'ci');
    expect(result.conflicts).toEqual([
      {
        manager: 'kubectl-edit',
        operation: 'Update',
        apiVersion: 'paiflow.dev/v1alpha1',
        subresource: '',
        time: '2025-01-01T00:00:00Z',
        field: '.spec.depth',
      },
    ]);
    const forced = apply(live, { ...base(), spec: { depth: 3 } }, 'ci', true);
    expect(forced.obj?.spec).toEqual({ depth: 3 });
    expect((forced.obj?.metadata as { managedFields: unknown[] }).managedFields).toEqual([
      expect.objectContaining({
        manager: 'ci',
        operation: 'Apply',
        fieldsV1: { 'f:spec': { 'f:depth': {} } },
      }),
      expect.objectContaining({ manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': {} } }),
    ]);
  });

  it('co-owns an equal value without conflict', () => {
    const live = { ...base(), spec: { depth: 1 } };
    trackUpdate(node, undefined, live, writer('kubectl-edit'));
    expect(apply(live, { ...base(), spec: { depth: 1 } }, 'ci').conflicts).toEqual([]);
  });

  it('merges map-list items by key and removes items it no longer applies', () => {
    const first = apply(
      base(),
      {
        ...base(),
        status: {
          conditions: [
            { type: 'A', status: 'True' },
            { type: 'B', status: 'True' },
          ],
        },
      },
      'ctl',
      false,
      'status',
    );
    const live = {
      ...first.obj,
      status: {
        ...(first.obj?.status as object),
        conditions: [
          ...(first.obj?.status as { conditions: unknown[] }).conditions,
          { type: 'C', status: 'x' },
        ],
      },
    } as KubeObject;
    const second = apply(
      live,
      { ...base(), status: { conditions: [{ type: 'A', status: 'False' }] } },
      'ctl',
      false,
      'status',
    );
    expect((second.obj?.status as { conditions: unknown[] }).conditions).toEqual([
      { type: 'A', status: 'False' },
      { type: 'C', status: 'x' },
    ]);
  });

  it('ignores status on the main resource when status has its own endpoint', () => {
    const result = apply(undefined, { ...base(), spec: { depth: 1 }, status: { phase: 'Hacked' } }, 'ctl');
    expect(result.obj?.status).toBeUndefined();
  });
});
