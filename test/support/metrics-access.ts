import { runKubectl } from './kubectl-run.ts';
import type { TestKubeApiServer } from './kube-apiserver.ts';

/**
 * Secure metrics on the real API server: deploy/ files applied as the admin, and a scraper's
 * ServiceAccount bound to deploy/rbac's metrics-reader ClusterRole, as docs/metrics.md tells users.
 */

const root = new URL('../../', import.meta.url).pathname;

/** The ServiceAccount of the controller and the ClusterRoles (and binding) secure metrics needs. */
export const METRICS_RBAC = [
  'deploy/namespace.yaml',
  'deploy/rbac/serviceaccount.yaml',
  'deploy/rbac/metrics-auth-clusterrole.yaml',
  'deploy/rbac/metrics-auth-clusterrolebinding.yaml',
  'deploy/rbac/metrics-reader-clusterrole.yaml',
];

/** `kubectl apply -f` of each file (paths from the repository root), as the admin; throws on failure. */
export async function applyManifests(server: TestKubeApiServer, files: readonly string[]): Promise<void> {
  for (const file of files) {
    const applied = await runKubectl(['apply', '-f', `${root}${file}`], {
      kubeconfig: server.kubeconfigPath,
    });
    if (applied.code !== 0) throw new Error(`kubectl apply -f ${file} failed: ${applied.stderr}`);
  }
}

/** A token of ServiceAccount `namespace/name`, bound to paiflow-controller-metrics-reader. */
export async function metricsReaderToken(
  server: TestKubeApiServer,
  namespace: string,
  name: string,
): Promise<string> {
  const token = (await server.serviceAccount(namespace, name)).kubeConfig.getCurrentUser()?.token;
  if (token === undefined) throw new Error(`no token for ${namespace}/${name}`);
  const bound = await runKubectl(
    [
      'create',
      'clusterrolebinding',
      `${namespace}-${name}-reads-paiflow-metrics`,
      '--clusterrole=paiflow-controller-metrics-reader',
      `--serviceaccount=${namespace}:${name}`,
    ],
    { kubeconfig: server.kubeconfigPath },
  );
  if (bound.code !== 0) throw new Error(`binding the metrics reader role failed: ${bound.stderr}`);
  return token;
}
