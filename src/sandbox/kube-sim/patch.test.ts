import { describe, expect, it } from '@jest/globals';
import { KubeError } from './errors.ts';
import type { PatchType } from './patch.ts';
import { applyPatch } from './patch.ts';
import { objectSchema, schemaNode } from './structural-schema.ts';

const node = schemaNode(objectSchema(undefined));
const target = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', labels: { a: '1', b: '2' }, finalizers: ['x/one', 'x/two'] },
  data: { k: 'dg==' },
};

describe('applyPatch', () => {
  const table: Array<{ name: string; type: PatchType; patch: unknown; want: unknown }> = [
    {
      name: 'JSON patch',
      type: 'json',
      patch: [{ op: 'replace', path: '/metadata/labels/a', value: '9' }],
      want: { a: '9', b: '2' },
    },
    {
      name: 'merge patch deletes with null',
      type: 'merge',
      patch: { metadata: { labels: { a: null, c: '3' } } },
      want: { b: '2', c: '3' },
    },
    {
      name: 'strategic merge replaces a map with $patch',
      type: 'strategic',
      patch: { metadata: { labels: { $patch: 'replace', z: '0' } } },
      want: { z: '0' },
    },
  ];
  it.each(table)('$name', ({ type, patch, want }) => {
    expect(applyPatch(type, structuredClone(target), patch, node).metadata).toMatchObject({ labels: want });
  });

  it('strategic merge unions finalizers and deletes from them with a directive', () => {
    const merged = applyPatch(
      'strategic',
      structuredClone(target),
      { metadata: { finalizers: ['x/three'], '$deleteFromPrimitiveList/finalizers': ['x/one'] } },
      node,
    );
    expect(merged.metadata).toMatchObject({ finalizers: ['x/two', 'x/three'] });
  });

  it('answers a JSON patch that does not apply with the real 422', () => {
    let error: unknown;
    try {
      applyPatch('json', structuredClone(target), [{ op: 'test', path: '/data/k', value: 'other' }], node);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
    });
  });
});
