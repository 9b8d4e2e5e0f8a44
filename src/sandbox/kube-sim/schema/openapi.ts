import { createHash } from 'node:crypto';

import { isObject } from './json.ts';
import { builtinKinds } from './openapibuiltins.ts';
import {
  listMetaDescription,
  metaSchemas,
  metaV1,
  objectMetaDescription,
  ref,
  typeMeta,
} from './openapimeta.ts';
import type { Schema } from './openapimeta.ts';
import { openApiPaths } from './openapipaths.ts';
import type { PathResource } from './openapipaths.ts';
import type { CustomResourceDefinition, JSONSchemaProps } from './types.ts';

/**
 * The OpenAPI documents kubectl reads (explain, client-side validation, apply's patch computation,
 * and the check whether the server supports `fieldValidation`), shaped like kube-apiserver's:
 * component names are reversed-group.version.Kind (`dev.paiflow.v1alpha1.PipelineRunNode`,
 * `io.k8s.api.core.v1.Secret`), kinds carry `x-kubernetes-group-version-kind`, every resource has
 * its REST paths with `x-kubernetes-action`, GVK and the query parameters (including
 * `fieldValidation` on PATCH, which kubectl looks for before sending `fieldValidation=Strict`).
 * CRD schemas are published as the apiextensions-apiserver builder does (apiVersion/kind added,
 * metadata replaced by a reference to ObjectMeta, int-or-string as anyOf integer/string).
 * Built-in kinds have the minimal schemas of openapibuiltins.ts.
 */

/** The path of a group-version below /openapi/v3/ (`api/v1`, `apis/paiflow.dev/v1alpha1`). */
export function openApiV3Path(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The kinds of one group-version: the built-in ones and those of served CRD versions. */
function resourcesOf(
  group: string,
  version: string,
  crds: CustomResourceDefinition[],
): { resources: PathResource[]; schemas: Record<string, Schema> } {
  const resources: PathResource[] = [];
  const schemas: Record<string, Schema> = {};
  for (const b of builtinKinds.filter((k) => k.group === group && k.version === version)) {
    resources.push({ ...b, listName: `${b.name}List`, listKind: `${b.kind}List`, patchTypes: 'builtin' });
    Object.assign(schemas, b.schemas, {
      [`${b.name}List`]: listSchema(b.group, b.version, b.kind, b.plural, b.name),
    });
  }
  for (const crd of crds.filter((c) => c.spec.group === group)) {
    const v = crd.spec.versions.find((x) => x.name === version && x.served);
    if (v === undefined) continue;
    const { kind, plural } = crd.spec.names;
    const name = `${group.split('.').reverse().join('.')}.${version}.${kind}`;
    resources.push({
      group,
      version,
      kind,
      plural,
      name,
      listKind: crd.spec.names.listKind ?? `${kind}List`,
      listName: `${name}List`,
      namespaced: crd.spec.scope === 'Namespaced',
      status: v.subresources?.status !== undefined,
      patchTypes: 'custom',
    });
    schemas[name] = crdKindSchema(group, version, kind, v.schema?.openAPIV3Schema);
    schemas[`${name}List`] = listSchema(group, version, kind, plural, name, crd.spec.names.listKind);
  }
  return { resources, schemas };
}

function listSchema(
  group: string,
  version: string,
  kind: string,
  plural: string,
  itemName: string,
  listKind = `${kind}List`,
): Schema {
  return {
    description: `${listKind} is a list of ${kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      ...typeMeta,
      items: {
        type: 'array',
        description: `List of ${plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        items: ref(itemName),
      },
      metadata: ref(`${metaV1}.ListMeta`, listMetaDescription),
    },
    'x-kubernetes-group-version-kind': [{ group, kind: listKind, version }],
  };
}

/** A CRD node as published in v3: int-or-string as anyOf, embedded resources with their type meta. */
function publishNode(s: JSONSchemaProps): Schema {
  const out: Schema = { ...s };
  if (s['x-kubernetes-int-or-string'] === true) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  const props: Record<string, Schema> = {};
  for (const [k, p] of Object.entries(s.properties ?? {})) props[k] = publishNode(p);
  if (s['x-kubernetes-embedded-resource'] === true)
    Object.assign(props, typeMeta, { metadata: { type: 'object' } });
  if (Object.keys(props).length > 0) out.properties = props;
  if (s.items !== undefined) out.items = publishNode(s.items);
  if (typeof s.additionalProperties === 'object')
    out.additionalProperties = publishNode(s.additionalProperties);
  return out;
}

function crdKindSchema(
  group: string,
  version: string,
  kind: string,
  schema: JSONSchemaProps | undefined,
): Schema {
  const gvkExtension = { 'x-kubernetes-group-version-kind': [{ group, kind, version }] };
  // Without a schema the real server publishes an untyped object, so kubectl validates nothing.
  if (schema === undefined) return { type: 'object', ...gvkExtension };
  const root = publishNode(schema);
  root.properties = {
    ...(root.properties as Record<string, Schema> | undefined),
    ...typeMeta,
    metadata: ref(`${metaV1}.ObjectMeta`, objectMetaDescription),
  };
  return { ...root, ...gvkExtension };
}

/**
 * The document served at `/openapi/v3/<openApiV3Path(group, version)>`: built-in kinds of that
 * group-version plus the kinds of the CRD versions served there, the meta types they refer to, and
 * their paths.
 */
export function openApiV3ForGroupVersion(input: {
  group: string;
  version: string;
  crds: CustomResourceDefinition[];
}): Record<string, unknown> {
  const { resources, schemas } = resourcesOf(input.group, input.version, input.crds);
  const builtin = resources.some((r) => r.patchTypes === 'builtin');
  return {
    openapi: '3.0.0',
    info: builtin
      ? { title: 'Kubernetes', version: 'v1.33.0' }
      : { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' },
    paths: openApiPaths(resources, 'v3'),
    components: {
      schemas: { ...metaSchemas, ...schemas },
      securitySchemes: {
        BearerToken: {
          type: 'apiKey',
          description: 'Bearer Token authentication',
          name: 'authorization',
          in: 'header',
        },
      },
    },
  };
}

/** Content hash clients use to cache a group-version document (upper-case hex SHA-512 of its JSON). */
export function openApiV3Hash(document: Record<string, unknown>): string {
  return createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
}

/** The discovery document at `/openapi/v3`: each group-version's path and its cache-busting URL. */
export function openApiV3Index(
  groupVersions: { group: string; version: string; document: Record<string, unknown> }[],
): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const gv of groupVersions) {
    const path = openApiV3Path(gv.group, gv.version);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${openApiV3Hash(gv.document)}` };
  }
  return { paths };
}

/** Rewrites a v3 schema for swagger 2.0: `#/definitions/` references, no nullable, anyOf/oneOf/not. */
function toV2(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(toV2);
  if (!isObject(x)) return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace('#/components/schemas/', '#/definitions/');
    else if (k === 'allOf' && Array.isArray(v) && v.length === 1 && isObject(v[0]) && '$ref' in v[0])
      Object.assign(out, toV2(v[0]));
    else if (!['nullable', 'anyOf', 'oneOf', 'not'].includes(k)) out[k] = toV2(v);
  }
  // v2 has no nullable: like the real server, publish a nullable field untyped so null passes kubectl.
  if (x.nullable === true) delete out.type;
  return out;
}

/**
 * The swagger 2.0 document at `/openapi/v2` (JSON; the real server prefers protobuf, which
 * kube-sim does not offer): all built-in kinds and every served CRD version, as `definitions`.
 */
export function openApiV2(input: { crds: CustomResourceDefinition[] }): Record<string, unknown> {
  const groupVersions = new Map<string, { group: string; version: string }>();
  for (const b of builtinKinds) groupVersions.set(`${b.group}/${b.version}`, b);
  for (const crd of input.crds)
    for (const v of crd.spec.versions)
      if (v.served)
        groupVersions.set(`${crd.spec.group}/${v.name}`, { group: crd.spec.group, version: v.name });
  const definitions: Record<string, unknown> = { ...metaSchemas };
  const paths: Record<string, unknown> = {};
  for (const { group, version } of groupVersions.values()) {
    const { resources, schemas } = resourcesOf(group, version, input.crds);
    Object.assign(definitions, schemas);
    Object.assign(paths, openApiPaths(resources, 'v2'));
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.33.0' },
    paths: toV2(paths),
    definitions: toV2(definitions),
    securityDefinitions: {
      BearerToken: {
        type: 'apiKey',
        description: 'Bearer Token authentication',
        name: 'authorization',
        in: 'header',
      },
    },
    security: [{ BearerToken: [] }],
  };
}
