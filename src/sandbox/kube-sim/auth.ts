import { forbidden, unauthorized } from './errors.ts';

/**
 * Optional bearer-token authentication and a simple authorizer: each token names a user and,
 * optionally, which verbs and resources it may use. Failures are the real server's 401 and 403.
 */

export interface TokenGrant {
  token: string;
  user: string;
  /** Allowed verbs (default all). */
  verbs?: string[];
  /** Allowed resources, `plural` or `plural/subresource` (default all). */
  resources?: string[];
}

export interface AuthAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  isResourceRequest: boolean;
}

/** Returns the user of an Authorization header; throws 401/403 when it may not do this. */
export function authorize(grants: TokenGrant[], header: string | undefined, attrs: AuthAttributes): string {
  const token = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
  const grant = grants.find((g) => g.token === token);
  if (grant === undefined) throw unauthorized();
  if (!attrs.isResourceRequest) return grant.user;
  const resource = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const allowed =
    (grant.verbs === undefined || grant.verbs.includes(attrs.verb)) &&
    (grant.resources === undefined ||
      grant.resources.includes(resource) ||
      grant.resources.includes(attrs.resource));
  if (allowed) return grant.user;
  const scope = attrs.namespace === '' ? 'at the cluster scope' : `in the namespace "${attrs.namespace}"`;
  throw forbidden(
    { group: attrs.group, resource: attrs.resource },
    attrs.name,
    `User "${grant.user}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}`,
  );
}
