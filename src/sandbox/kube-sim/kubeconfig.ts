import { stringify } from 'yaml';

/**
 * A kubeconfig for kube-sim that real kubectl and @kubernetes/client-node use unchanged. The server
 * speaks plain HTTP; client-node refuses `http://` unless the cluster has
 * `insecure-skip-tls-verify: true`, which kubectl ignores for plain HTTP, so it is always set.
 */
export interface KubeconfigOptions {
  /** The server URL, e.g. `http://127.0.0.1:6443`. */
  server: string;
  /** Context, cluster and user name (default `kube-sim`). */
  name?: string;
  /** A bearer token when authentication is on. */
  token?: string;
  /** The context's default namespace (default `default`). */
  namespace?: string;
}

export function kubeconfigYaml(options: KubeconfigOptions): string {
  const name = options.name ?? 'kube-sim';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: options.server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: options.token === undefined ? {} : { token: options.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
