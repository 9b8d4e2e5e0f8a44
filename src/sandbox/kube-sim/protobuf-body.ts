import { BinaryReader } from '@bufbuild/protobuf/wire';
import type { WireType } from '@bufbuild/protobuf/wire';
import { unsupportedMediaType } from './errors.ts';
import type { KubeObject } from './object-meta.ts';

/**
 * Decodes the protobuf request bodies Go's typed clients send (`kubectl create namespace`,
 * `kubectl create secret ...` post `application/vnd.kubernetes.protobuf`; Helm's release storage
 * deletes its Secrets with a protobuf DeleteOptions body): the `k8s\0` envelope (runtime.Unknown)
 * around a v1 Namespace, Secret or DeleteOptions, into the JSON shape. Field numbers follow
 * k8s.io/api core/v1 and apimachinery meta/v1 generated.proto. Wire decoding is @bufbuild/protobuf's.
 */

type FieldHandler = (reader: BinaryReader, wireType: WireType) => void;

function readMessage(bytes: Uint8Array, handlers: Record<number, FieldHandler>): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    const handler = handlers[field];
    if (handler === undefined) reader.skip(wireType, field);
    else handler(reader, wireType);
  }
}

function readMapEntry(bytes: Uint8Array, bytesValue: boolean): [string, string] {
  let key = '';
  let value = '';
  readMessage(bytes, {
    1: (r) => {
      key = r.string();
    },
    2: (r) => {
      value = bytesValue ? Buffer.from(r.bytes()).toString('base64') : r.string();
    },
  });
  return [key, value];
}

function objectMeta(bytes: Uint8Array): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  const finalizers: string[] = [];
  const strings: Record<number, string> = {
    1: 'name',
    2: 'generateName',
    3: 'namespace',
    5: 'uid',
    6: 'resourceVersion',
  };
  const handlers: Record<number, FieldHandler> = {
    11: (r) => {
      const [k, v] = readMapEntry(r.bytes(), false);
      labels[k] = v;
    },
    12: (r) => {
      const [k, v] = readMapEntry(r.bytes(), false);
      annotations[k] = v;
    },
    14: (r) => {
      finalizers.push(r.string());
    },
  };
  for (const [field, name] of Object.entries(strings)) {
    handlers[Number(field)] = (r) => {
      const value = r.string();
      if (value !== '') meta[name] = value;
    };
  }
  readMessage(bytes, handlers);
  if (Object.keys(labels).length > 0) meta.labels = labels;
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  if (finalizers.length > 0) meta.finalizers = finalizers;
  return meta;
}

function namespace(bytes: Uint8Array): KubeObject {
  const obj: KubeObject = { apiVersion: 'v1', kind: 'Namespace' };
  readMessage(bytes, {
    1: (r) => {
      obj.metadata = objectMeta(r.bytes());
    },
    2: (r) => {
      const finalizers: string[] = [];
      readMessage(r.bytes(), { 1: (s) => finalizers.push(s.string()) });
      obj.spec = finalizers.length > 0 ? { finalizers } : {};
    },
  });
  return obj;
}

function secret(bytes: Uint8Array): KubeObject {
  const obj: KubeObject = { apiVersion: 'v1', kind: 'Secret' };
  const data: Record<string, string> = {};
  const stringData: Record<string, string> = {};
  readMessage(bytes, {
    1: (r) => {
      obj.metadata = objectMeta(r.bytes());
    },
    2: (r) => {
      const [k, v] = readMapEntry(r.bytes(), true);
      data[k] = v;
    },
    3: (r) => {
      obj.type = r.string();
    },
    4: (r) => {
      const [k, v] = readMapEntry(r.bytes(), false);
      stringData[k] = v;
    },
    5: (r) => {
      obj.immutable = r.bool();
    },
  });
  if (Object.keys(data).length > 0) obj.data = data;
  if (Object.keys(stringData).length > 0) obj.stringData = stringData;
  return obj;
}

/** meta/v1 DeleteOptions: the fields kube-sim honours (preconditions, dryRun) and the rest, unused. */
function deleteOptions(apiVersion: string): (bytes: Uint8Array) => KubeObject {
  return (bytes) => {
    const obj: KubeObject = { apiVersion, kind: 'DeleteOptions' };
    const dryRun: string[] = [];
    readMessage(bytes, {
      1: (r) => {
        obj.gracePeriodSeconds = Number(r.int64());
      },
      2: (r) => {
        const preconditions: Record<string, string> = {};
        readMessage(r.bytes(), {
          1: (p) => {
            preconditions.uid = p.string();
          },
          2: (p) => {
            preconditions.resourceVersion = p.string();
          },
        });
        obj.preconditions = preconditions;
      },
      3: (r) => {
        obj.orphanDependents = r.bool();
      },
      4: (r) => {
        obj.propagationPolicy = r.string();
      },
      5: (r) => {
        dryRun.push(r.string());
      },
    });
    if (dryRun.length > 0) obj.dryRun = dryRun;
    return obj;
  };
}

const decoders: Record<string, (bytes: Uint8Array) => KubeObject> = {
  'v1/Namespace': namespace,
  'v1/Secret': secret,
};

/** The decoder of `apiVersion`/`kind`; DeleteOptions is sent under every group's version. */
function decoderOf(apiVersion: string, kind: string): ((bytes: Uint8Array) => KubeObject) | undefined {
  return kind === 'DeleteOptions' ? deleteOptions(apiVersion) : decoders[`${apiVersion}/${kind}`];
}

/** Decodes a `k8s\0`-prefixed protobuf body; 415 for kinds kube-sim cannot read as protobuf. */
export function decodeProtobufObject(body: Buffer): KubeObject {
  const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
  if (body.length < 4 || !body.subarray(0, 4).equals(magic)) {
    throw unsupportedMediaType(['application/json', 'application/yaml']);
  }
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array();
  readMessage(body.subarray(4), {
    1: (r) => {
      readMessage(r.bytes(), {
        1: (t) => {
          apiVersion = t.string();
        },
        2: (t) => {
          kind = t.string();
        },
      });
    },
    2: (r) => {
      raw = r.bytes();
    },
  });
  const decode = decoderOf(apiVersion, kind);
  if (decode === undefined) {
    throw unsupportedMediaType(['application/json', 'application/yaml']);
  }
  return decode(raw);
}
