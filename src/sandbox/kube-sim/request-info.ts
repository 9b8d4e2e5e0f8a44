/**
 * Parses an API path the way k8s.io/apiserver's RequestInfoFactory does: API prefix, group,
 * version, namespace, resource, name, subresource, and the Kubernetes verb (get, list, watch,
 * create, update, patch, delete, deletecollection) derived from the method and query.
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  /** The path split into segments (for non-resource requests). */
  parts: string[];
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  verb: string;
}

/** Subresources of a namespace that are not a namespaced resource of the same name. */
const namespaceSubresources = new Set(['status', 'finalize']);

function verbFor(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      if (watch) return 'watch';
      return hasName ? 'get' : 'list';
  }
}

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const none: RequestInfo = {
    isResourceRequest: false,
    parts,
    group: '',
    version: '',
    namespace: '',
    resource: '',
    name: '',
    subresource: '',
    verb: method.toLowerCase(),
  };
  let rest: string[];
  let group: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    rest = parts.slice(2);
  } else {
    return none;
  }
  const version = rest[0] ?? '';
  let current = rest.slice(1);
  let watchPath = false;
  if (current[0] === 'watch') {
    watchPath = true;
    current = current.slice(1);
  }
  let namespace = '';
  if (current[0] === 'namespaces' && current.length > 1) {
    namespace = current[1] ?? '';
    if (current.length > 2 && !namespaceSubresources.has(current[2] ?? '')) current = current.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = current;
  if (resource === '' || current.length > 3) return none;
  const watchParam = query.get('watch');
  const watch = watchPath || watchParam === 'true' || watchParam === '1';
  return {
    isResourceRequest: true,
    parts,
    group,
    version,
    namespace,
    resource,
    name,
    subresource,
    verb: verbFor(method, name !== '', watch),
  };
}
