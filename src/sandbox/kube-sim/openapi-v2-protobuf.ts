import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { stringify as toYaml } from 'yaml';
import { isRecord } from './object-meta.ts';

/**
 * Encodes a swagger 2.0 document as the protobuf kubectl asks `/openapi/v2` for
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, gnostic's openapi_v2.Document).
 * kubectl 1.27 and 1.28 read only this form (for apply, explain and client-side validation).
 * Field numbers follow gnostic's OpenAPIv2.proto; values of `Any` fields (defaults, enums,
 * examples, vendor extensions) travel as YAML text, as gnostic writes them. Wire encoding is
 * @bufbuild/protobuf's.
 */

type Json = Record<string, unknown>;

function message(write: (w: BinaryWriter) => void): Uint8Array {
  const writer = new BinaryWriter();
  write(writer);
  return writer.finish();
}

function str(w: BinaryWriter, field: number, value: unknown): void {
  if (typeof value === 'string' && value !== '') w.tag(field, WireType.LengthDelimited).string(value);
}

function bool(w: BinaryWriter, field: number, value: unknown): void {
  if (value === true) w.tag(field, WireType.Varint).bool(true);
}

function int64(w: BinaryWriter, field: number, value: unknown): void {
  if (typeof value === 'number') w.tag(field, WireType.Varint).int64(value);
}

function double(w: BinaryWriter, field: number, value: unknown): void {
  if (typeof value === 'number') w.tag(field, WireType.Bit64).double(value);
}

function bytes(w: BinaryWriter, field: number, value: Uint8Array): void {
  w.tag(field, WireType.LengthDelimited).bytes(value);
}

function strings(w: BinaryWriter, field: number, value: unknown): void {
  if (Array.isArray(value))
    for (const v of value) if (typeof v === 'string') w.tag(field, WireType.LengthDelimited).string(v);
}

/** gnostic `Any`: the value as YAML (field 2). */
function any(value: unknown): Uint8Array {
  return message((w) => {
    str(w, 2, toYaml(value));
  });
}

/** `repeated NamedAny vendor_extension`: every `x-` key. */
function vendorExtensions(w: BinaryWriter, field: number, obj: Json): void {
  for (const [name, value] of Object.entries(obj)) {
    if (!name.startsWith('x-')) continue;
    bytes(
      w,
      field,
      message((e) => {
        str(e, 1, name);
        bytes(e, 2, any(value));
      }),
    );
  }
}

function schema(s: Json): Uint8Array {
  return message((w) => {
    str(w, 1, s.$ref);
    str(w, 2, s.format);
    str(w, 3, s.title);
    str(w, 4, s.description);
    if (s.default !== undefined) bytes(w, 5, any(s.default));
    double(w, 6, s.multipleOf);
    double(w, 7, s.maximum);
    bool(w, 8, s.exclusiveMaximum);
    double(w, 9, s.minimum);
    bool(w, 10, s.exclusiveMinimum);
    int64(w, 11, s.maxLength);
    int64(w, 12, s.minLength);
    str(w, 13, s.pattern);
    int64(w, 14, s.maxItems);
    int64(w, 15, s.minItems);
    bool(w, 16, s.uniqueItems);
    int64(w, 17, s.maxProperties);
    int64(w, 18, s.minProperties);
    strings(w, 19, s.required);
    if (Array.isArray(s.enum)) for (const value of s.enum) bytes(w, 20, any(value));
    if (isRecord(s.additionalProperties)) {
      const additional = s.additionalProperties;
      bytes(
        w,
        21,
        message((a) => {
          bytes(a, 1, schema(additional));
        }),
      );
    } else if (typeof s.additionalProperties === 'boolean') {
      const allowed = s.additionalProperties;
      bytes(
        w,
        21,
        message((a) => a.tag(2, WireType.Varint).bool(allowed)),
      );
    }
    if (typeof s.type === 'string') {
      bytes(
        w,
        22,
        message((t) => {
          str(t, 1, s.type);
        }),
      );
    }
    if (isRecord(s.items)) {
      const items = s.items;
      bytes(
        w,
        23,
        message((i) => {
          bytes(i, 1, schema(items));
        }),
      );
    }
    if (Array.isArray(s.allOf)) for (const sub of s.allOf) if (isRecord(sub)) bytes(w, 24, schema(sub));
    if (isRecord(s.properties)) bytes(w, 25, namedSchemas(s.properties));
    bool(w, 27, s.readOnly);
    if (s.example !== undefined) bytes(w, 30, any(s.example));
    vendorExtensions(w, 31, s);
  });
}

/** `Properties` / `Definitions`: repeated NamedSchema at field 1. */
function namedSchemas(map: Json): Uint8Array {
  return message((w) => {
    for (const [name, value] of Object.entries(map)) {
      if (!isRecord(value)) continue;
      bytes(
        w,
        1,
        message((n) => {
          str(n, 1, name);
          bytes(n, 2, schema(value));
        }),
      );
    }
  });
}

function parameter(p: Json): Uint8Array {
  if (typeof p.$ref === 'string') {
    return message((w) => {
      bytes(
        w,
        2,
        message((r) => {
          str(r, 1, p.$ref);
        }),
      );
    });
  }
  const inner =
    p.in === 'body'
      ? message((w) =>
          bytes(
            w,
            1,
            message((b) => {
              str(b, 1, p.description);
              str(b, 2, p.name);
              str(b, 3, p.in);
              bool(b, 4, p.required);
              if (isRecord(p.schema)) bytes(b, 5, schema(p.schema));
            }),
          ),
        )
      : message((w) => {
          const sub = message((q) => {
            bool(q, 1, p.required);
            str(q, 2, p.in);
            str(q, 3, p.description);
            str(q, 4, p.name);
            if (p.in === 'query') {
              str(q, 6, p.type);
              bool(q, 20, p.uniqueItems);
            } else {
              str(q, 5, p.type);
            }
          });
          const which = p.in === 'query' ? 3 : p.in === 'path' ? 4 : p.in === 'header' ? 1 : 2;
          bytes(
            w,
            2,
            message((n) => {
              bytes(n, which, sub);
            }),
          );
        });
  return message((w) => bytes(w, 1, inner));
}

function parameters(w: BinaryWriter, field: number, list: unknown): void {
  if (Array.isArray(list)) for (const p of list) if (isRecord(p)) bytes(w, field, parameter(p));
}

function operation(op: Json): Uint8Array {
  return message((w) => {
    strings(w, 1, op.tags);
    str(w, 3, op.description);
    str(w, 5, op.operationId);
    strings(w, 6, op.produces);
    strings(w, 7, op.consumes);
    parameters(w, 8, op.parameters);
    strings(w, 10, op.schemes);
    vendorExtensions(w, 13, op);
  });
}

const operationFields: Record<string, number> = {
  get: 2,
  put: 3,
  post: 4,
  delete: 5,
  options: 6,
  head: 7,
  patch: 8,
};

function pathItem(item: Json): Uint8Array {
  return message((w) => {
    for (const [method, field] of Object.entries(operationFields)) {
      const op = item[method];
      if (isRecord(op)) bytes(w, field, operation(op));
    }
    parameters(w, 9, item.parameters);
    vendorExtensions(w, 10, item);
  });
}

/** The protobuf form of a swagger 2.0 document. */
export function encodeOpenApiV2(doc: Json): Uint8Array {
  return message((w) => {
    str(w, 1, doc.swagger);
    if (isRecord(doc.info)) {
      const info = doc.info;
      bytes(
        w,
        2,
        message((i) => {
          str(i, 1, info.title);
          str(i, 2, info.version);
        }),
      );
    }
    if (isRecord(doc.paths)) {
      const paths = doc.paths;
      bytes(
        w,
        8,
        message((p) => {
          for (const [name, item] of Object.entries(paths)) {
            if (!isRecord(item)) continue;
            bytes(
              p,
              2,
              message((n) => {
                str(n, 1, name);
                bytes(n, 2, pathItem(item));
              }),
            );
          }
        }),
      );
    }
    if (isRecord(doc.definitions)) bytes(w, 9, namedSchemas(doc.definitions));
  });
}
