import type { PipelineRunNode } from '../../api/v1alpha1.ts';
import { MAX_SECRET_VALUE_BYTES, type SecretData, type SecretReader } from '../../kube/secret-reader.ts';
import {
  isEndpointAllowed,
  PaiflowError,
  parseEndpoint,
  regionalEndpoint,
  StaticCredentialsProvider,
  type CredentialsProvider,
} from '../../paiflow/index.ts';
import type { PaiflowTarget } from '../paiflow-gateway/index.ts';

export interface TargetResolverOptions {
  secrets: SecretReader;
  /** Used when spec.region and spec.endpoint are both omitted. */
  defaultRegion?: string | undefined;
  /** Build `paiflow-vpc.<region>.aliyuncs.com` endpoints from regions. */
  vpcEndpoints?: boolean;
  /** Host patterns an endpoint (override or regional) must match. */
  endpointAllowList: readonly string[];
  /** The controller's own credentials, for resources without credentialsSecretRef. */
  defaultCredentials: CredentialsProvider;
  /**
   * The namespaces whose resources may use `defaultCredentials`; `*` in the list: every namespace;
   * empty: none (every resource must name its own Secret). @default ['*']
   */
  defaultCredentialsNamespaces?: readonly string[];
}

/** `--default-credentials-namespaces`' value meaning "every namespace". */
export const ALL_NAMESPACES = '*';

/** Where and as whom to poll, and the share token when the run is shared. */
export interface ResolvedTarget {
  target: PaiflowTarget;
  tokenId?: string;
  /** The Secret the credentials came from, so a rejection can drop it from the cache. */
  credentialsSecret?: { namespace: string; name: string };
}

/** A spec, Secret or configuration problem: only a change of one of them fixes it. */
export class ResolveError extends Error {
  readonly reason:
    'InvalidSpec' | 'EndpointNotAllowed' | 'CredentialsNotFound' | 'CredentialsRequired' | 'InvalidSecret';

  constructor(reason: ResolveError['reason'], message: string) {
    super(message);
    this.name = 'ResolveError';
    this.reason = reason;
  }
}

/**
 * Turns a resource's spec into a PAIFlow target: the endpoint (override, or the regional one),
 * checked against the allow-list so nobody can send the controller's credentials to a server of
 * their own; the credentials (a Secret in the resource's own namespace, or the controller's); and
 * the share token from its Secret. Secrets are read only from `resource.metadata.namespace`. The
 * controller's own credentials serve only the namespaces the operator lets them
 * (`defaultCredentialsNamespaces`): elsewhere a resource without a Secret is refused, since anyone
 * who may create a PipelineRunNode could otherwise read every run the controller's identity can.
 * Messages go to the resource's status and Events, which namespace users read: they never quote the
 * allow-list (operator configuration; the effective configuration is logged at start).
 * Throws ResolveError (never with a secret value in it) or the Kubernetes API's errors.
 */
export class TargetResolver {
  readonly #options: TargetResolverOptions;
  readonly #defaultCredentialsNamespaces: ReadonlySet<string>;

  constructor(options: TargetResolverOptions) {
    this.#options = options;
    this.#defaultCredentialsNamespaces = new Set(options.defaultCredentialsNamespaces ?? [ALL_NAMESPACES]);
  }

  async resolve(resource: PipelineRunNode): Promise<ResolvedTarget> {
    const endpoint = this.#endpoint(resource);
    const { namespace } = resource.metadata;
    const { credentialsSecretRef, tokenSecretRef } = resource.spec;
    let credentials = this.#options.defaultCredentials;
    if (credentialsSecretRef === undefined) this.#checkDefaultCredentials(namespace);
    else {
      const { name } = credentialsSecretRef;
      const data = await this.#secret(namespace, name, 'spec.credentialsSecretRef');
      const [accessKeyId, accessKeySecret, securityToken] = [
        'accessKeyId',
        'accessKeySecret',
        'securityToken',
      ].map((key) => valueOf(data, namespace, name, key));
      try {
        credentials = new StaticCredentialsProvider({ accessKeyId, accessKeySecret, securityToken });
      } catch (error) {
        const detail = error instanceof PaiflowError ? error.message : 'unusable credentials';
        throw new ResolveError(
          'CredentialsNotFound',
          `Secret ${namespace}/${credentialsSecretRef.name}: ${detail}`,
        );
      }
    }
    let tokenId: string | undefined;
    if (tokenSecretRef !== undefined) {
      const data = await this.#secret(namespace, tokenSecretRef.name, 'spec.tokenSecretRef');
      tokenId = valueOf(data, namespace, tokenSecretRef.name, tokenSecretRef.key)?.trim();
      if (tokenId === undefined || tokenId === '') {
        throw new ResolveError(
          'CredentialsNotFound',
          `Secret ${namespace}/${tokenSecretRef.name} has no non-empty key "${tokenSecretRef.key}" (spec.tokenSecretRef.key): add it or fix the key name`,
        );
      }
    }
    return {
      target: { endpoint, credentials },
      ...(tokenId !== undefined && { tokenId }),
      ...(credentialsSecretRef !== undefined && {
        credentialsSecret: { namespace, name: credentialsSecretRef.name },
      }),
    };
  }

  #checkDefaultCredentials(namespace: string): void {
    const allowed = this.#defaultCredentialsNamespaces;
    if (allowed.has(ALL_NAMESPACES) || allowed.has(namespace)) return;
    // The allowed namespaces are operator configuration: not quoted to namespace users.
    throw new ResolveError(
      'CredentialsRequired',
      `spec.credentialsSecretRef is required in namespace ${namespace}: the controller's own credentials do not serve it (--default-credentials-namespaces); create a Secret with keys accessKeyId and accessKeySecret in this namespace and set spec.credentialsSecretRef.name to its name`,
    );
  }

  #endpoint(resource: PipelineRunNode): string {
    const { endpoint, region } = resource.spec;
    let url: string;
    if (endpoint !== undefined) {
      try {
        url = parseEndpoint(endpoint).origin;
      } catch {
        throw new ResolveError(
          'InvalidSpec',
          `spec.endpoint must be an http(s) origin such as https://paiflow-vpc.cn-hangzhou.aliyuncs.com, got "${endpoint}"`,
        );
      }
    } else {
      const chosen = region ?? this.#options.defaultRegion;
      if (chosen === undefined) {
        throw new ResolveError(
          'InvalidSpec',
          'set spec.region (or spec.endpoint), or start the controller with --default-region',
        );
      }
      try {
        url = regionalEndpoint(chosen, { vpc: this.#options.vpcEndpoints ?? false });
      } catch (error) {
        throw new ResolveError(
          'InvalidSpec',
          `spec.region: ${error instanceof Error ? error.message : 'invalid'}`,
        );
      }
    }
    if (!isEndpointAllowed(url, this.#options.endpointAllowList)) {
      throw new ResolveError(
        'EndpointNotAllowed',
        `endpoint ${url} is not in the controller's endpoint allow-list; use a PAIFlow endpoint (paiflow.<region>.aliyuncs.com or paiflow-vpc.<region>.aliyuncs.com) or ask the operator, who finds the list in the controller's first log line, to extend --endpoint-allow-list`,
      );
    }
    return url;
  }

  async #secret(namespace: string, name: string, field: string): Promise<SecretData> {
    const data = await this.#options.secrets.read(namespace, name);
    if (data === undefined) {
      throw new ResolveError(
        'CredentialsNotFound',
        `Secret ${namespace}/${name} (${field}) not found: create it in the resource's namespace`,
      );
    }
    return data;
  }
}

/** `key`'s value, refusing one too large to be a credential or a token (never kept, see SecretReader). */
function valueOf(data: SecretData, namespace: string, name: string, key: string): string | undefined {
  const bytes = data.oversized(key);
  if (bytes !== undefined) {
    throw new ResolveError(
      'InvalidSecret',
      `Secret ${namespace}/${name} key "${key}" holds ${bytes} bytes, more than the ${MAX_SECRET_VALUE_BYTES} accepted: store only the credential or token there`,
    );
  }
  return data.get(key);
}
