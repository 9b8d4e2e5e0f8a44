import { metaV1 } from './openapimeta.ts';

/**
 * The REST paths of the OpenAPI documents, as kube-apiserver publishes them for a resource: list,
 * create, delete-collection, read, replace, patch, delete (and read/replace/patch of `/status`),
 * each with `operationId`, `x-kubernetes-action`, `x-kubernetes-group-version-kind` and its query
 * parameters. Only what clients inspect is modelled: kubectl's fieldValidation support check reads
 * the PATCH operation's parameters; watch paths and response codes other than 200/201 are left out.
 */

/** A resource to publish paths for. */
export interface PathResource {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  namespaced: boolean;
  status: boolean;
  /** Component schema names of the kind and of its list. */
  name: string;
  listName: string;
  /** Built-in kinds also accept strategic merge patches; custom resources do not. */
  patchTypes: 'builtin' | 'custom';
}

const param = (name: string, description: string, type = 'string'): Param => ({ name, description, type });
interface Param {
  name: string;
  description: string;
  type: string;
}

const q = {
  pretty: param(
    'pretty',
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).",
  ),
  dryRun: param(
    'dryRun',
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  ),
  fieldManager: param(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  fieldValidation: param(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  ),
  force: param(
    'force',
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
    'boolean',
  ),
  labelSelector: param(
    'labelSelector',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ),
  fieldSelector: param(
    'fieldSelector',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ),
  limit: param('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  continue: param(
    'continue',
    'The continue option should be set when retrieving more results from the server.',
  ),
  resourceVersion: param(
    'resourceVersion',
    'resourceVersion sets a constraint on what resource versions a request may be served from.',
  ),
  resourceVersionMatch: param(
    'resourceVersionMatch',
    'resourceVersionMatch determines how resourceVersion is applied to list calls.',
  ),
  timeoutSeconds: param('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  watch: param(
    'watch',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.',
    'boolean',
  ),
  allowWatchBookmarks: param(
    'allowWatchBookmarks',
    'allowWatchBookmarks requests watch events with type "BOOKMARK".',
    'boolean',
  ),
  gracePeriodSeconds: param(
    'gracePeriodSeconds',
    'The duration in seconds before the object should be deleted.',
    'integer',
  ),
  propagationPolicy: param('propagationPolicy', 'Whether and how garbage collection will be performed.'),
};
const listParams = [
  q.allowWatchBookmarks,
  q.continue,
  q.fieldSelector,
  q.labelSelector,
  q.limit,
  q.resourceVersion,
  q.resourceVersionMatch,
  q.timeoutSeconds,
  q.watch,
];
const writeParams = [q.dryRun, q.fieldManager, q.fieldValidation];

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  action: string;
  id: string;
  description: string;
  query: Param[];
  body?: string;
  response: string;
}

function camel(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `Core`, `Coordination` (built-in `.k8s.io` groups), `PaiflowDev` (others) and the version. */
function gvName(group: string, version: string): string {
  const g = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  return g.split('.').map(camel).join('') + camel(version);
}

function tag(group: string, version: string): string {
  const name = gvName(group, version);
  return `${name.charAt(0).toLowerCase()}${name.slice(1, name.length - version.length)}_${version}`;
}

function operations(r: PathResource, scope: 'collection' | 'item' | 'status' | 'all'): Operation[] {
  const gv = gvName(r.group, r.version);
  const ns = r.namespaced ? 'Namespaced' : '';
  const name = `${ns}${r.kind}`;
  const patch: Param[] = [...writeParams, q.force];
  switch (scope) {
    case 'all':
      return [
        {
          method: 'get',
          action: 'list',
          id: `list${gv}${r.kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${r.kind}`,
          query: listParams,
          response: r.listName,
        },
      ];
    case 'collection':
      return [
        {
          method: 'get',
          action: 'list',
          id: `list${gv}${name}`,
          description: `list or watch objects of kind ${r.kind}`,
          query: listParams,
          response: r.listName,
        },
        {
          method: 'post',
          action: 'post',
          id: `create${gv}${name}`,
          description: `create a ${r.kind}`,
          query: writeParams,
          body: r.name,
          response: r.name,
        },
        {
          method: 'delete',
          action: 'deletecollection',
          id: `deleteCollection${gv}${name}`,
          description: `delete collection of ${r.kind}`,
          query: [q.dryRun, q.gracePeriodSeconds, q.propagationPolicy, ...listParams],
          body: `${metaV1}.DeleteOptions`,
          response: `${metaV1}.Status`,
        },
      ];
    case 'item':
      return [
        {
          method: 'get',
          action: 'get',
          id: `read${gv}${name}`,
          description: `read the specified ${r.kind}`,
          query: [],
          response: r.name,
        },
        {
          method: 'put',
          action: 'put',
          id: `replace${gv}${name}`,
          description: `replace the specified ${r.kind}`,
          query: writeParams,
          body: r.name,
          response: r.name,
        },
        {
          method: 'patch',
          action: 'patch',
          id: `patch${gv}${name}`,
          description: `partially update the specified ${r.kind}`,
          query: patch,
          body: `${metaV1}.Patch`,
          response: r.name,
        },
        {
          method: 'delete',
          action: 'delete',
          id: `delete${gv}${name}`,
          description: `delete a ${r.kind}`,
          query: [q.dryRun, q.gracePeriodSeconds, q.propagationPolicy],
          body: `${metaV1}.DeleteOptions`,
          response: `${metaV1}.Status`,
        },
      ];
    case 'status':
      return [
        {
          method: 'get',
          action: 'get',
          id: `read${gv}${name}Status`,
          description: `read status of the specified ${r.kind}`,
          query: [],
          response: r.name,
        },
        {
          method: 'put',
          action: 'put',
          id: `replace${gv}${name}Status`,
          description: `replace status of the specified ${r.kind}`,
          query: writeParams,
          body: r.name,
          response: r.name,
        },
        {
          method: 'patch',
          action: 'patch',
          id: `patch${gv}${name}Status`,
          description: `partially update status of the specified ${r.kind}`,
          query: patch,
          body: `${metaV1}.Patch`,
          response: r.name,
        },
      ];
  }
}

const jsonTypes = ['application/json', 'application/yaml'];

function patchTypes(r: PathResource): string[] {
  const types = [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
  ];
  return r.patchTypes === 'builtin' ? [...types, 'application/strategic-merge-patch+json'] : types;
}

function renderParam(p: Param, style: 'v2' | 'v3', location = 'query'): Record<string, unknown> {
  const required = location === 'path' ? { required: true } : {};
  return style === 'v3'
    ? {
        name: p.name,
        in: location,
        description: p.description,
        ...required,
        schema: { type: p.type, uniqueItems: true },
      }
    : {
        name: p.name,
        in: location,
        description: p.description,
        ...required,
        type: p.type,
        uniqueItems: true,
      };
}

function renderOperation(r: PathResource, op: Operation, style: 'v2' | 'v3'): Record<string, unknown> {
  const bodyTypes = op.method === 'patch' ? patchTypes(r) : jsonTypes;
  const schemaRef = (name: string): Record<string, unknown> => ({ $ref: `#/components/schemas/${name}` });
  const rendered: Record<string, unknown> = {
    tags: [tag(r.group, r.version)],
    description: op.description,
    operationId: op.id,
    parameters: op.query.map((p) => renderParam(p, style)),
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': { group: r.group, kind: r.kind, version: r.version },
  };
  const status = op.method === 'post' ? '201' : '200';
  if (style === 'v3') {
    if (op.body !== undefined)
      rendered.requestBody = {
        content: Object.fromEntries(bodyTypes.map((t) => [t, { schema: schemaRef(op.body ?? '') }])),
        required: op.method !== 'delete',
      };
    rendered.responses = {
      [status]: {
        description: status === '201' ? 'Created' : 'OK',
        content: Object.fromEntries(jsonTypes.map((t) => [t, { schema: schemaRef(op.response) }])),
      },
      '401': { description: 'Unauthorized' },
    };
  } else {
    if (op.body !== undefined)
      (rendered.parameters as unknown[]).unshift({
        name: 'body',
        in: 'body',
        required: op.method !== 'delete',
        schema: schemaRef(op.body),
      });
    rendered.consumes = op.body === undefined ? ['*/*'] : bodyTypes;
    rendered.produces = jsonTypes;
    rendered.schemes = ['https'];
    rendered.responses = {
      [status]: { description: status === '201' ? 'Created' : 'OK', schema: schemaRef(op.response) },
      '401': { description: 'Unauthorized' },
    };
  }
  return rendered;
}

/** The `paths` object for the resources, in OpenAPI v3 or swagger 2.0 style (references in v3 form). */
export function openApiPaths(resources: PathResource[], style: 'v2' | 'v3'): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const r of resources) {
    const prefix = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
    const collection = r.namespaced
      ? `${prefix}/namespaces/{namespace}/${r.plural}`
      : `${prefix}/${r.plural}`;
    const pathParams = (withName: boolean): Record<string, unknown>[] => [
      ...(withName ? [renderParam(param('name', `name of the ${r.kind}`), style, 'path')] : []),
      ...(r.namespaced
        ? [
            renderParam(
              param('namespace', 'object name and auth scope, such as for teams and projects'),
              style,
              'path',
            ),
          ]
        : []),
      renderParam(q.pretty, style),
    ];
    const item = (
      scope: 'collection' | 'item' | 'status' | 'all',
      withName: boolean,
    ): Record<string, unknown> => {
      const entry: Record<string, unknown> = {};
      for (const op of operations(r, scope)) entry[op.method] = renderOperation(r, op, style);
      entry.parameters = scope === 'all' ? [renderParam(q.pretty, style)] : pathParams(withName);
      return entry;
    };
    paths[collection] = item('collection', false);
    paths[`${collection}/{name}`] = item('item', true);
    if (r.status) paths[`${collection}/{name}/status`] = item('status', true);
    if (r.namespaced) paths[`${prefix}/${r.plural}`] = item('all', false);
  }
  return paths;
}
