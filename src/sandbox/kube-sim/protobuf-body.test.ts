import { describe, expect, it } from '@jest/globals';
import { KubeError } from './errors.ts';
import { decodeProtobufObject } from './protobuf-body.ts';

describe('decodeProtobufObject', () => {
  it('reads the DeleteOptions body Helm 3.18 and 4.1 send when deleting a release Secret', () => {
    // Captured from `helm uninstall` (client-go's typed Secrets client): the k8s\0 envelope around
    // an empty v1 DeleteOptions.
    const body = Buffer.from('6b3873000a130a027631120d44656c6574654f7074696f6e7312001a002200', 'hex');
    expect(decodeProtobufObject(body)).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions' });
  });

  it('answers 415 for a kind it cannot read', () => {
    // The same envelope naming a v1 ConfigMap.
    const body = Buffer.from('6b3873000a0f0a0276311209436f6e6669674d617012001a002200', 'hex');
    expect(() => decodeProtobufObject(body)).toThrow(KubeError);
    expect(() => decodeProtobufObject(body)).toThrow(/unknown format/);
  });
});
