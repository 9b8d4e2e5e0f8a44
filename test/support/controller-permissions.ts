import { AuthorizationV1Api, KubeConfig } from '@kubernetes/client-node';

/**
 * What the controller's ServiceAccount may do in a namespace it watches, as `verb resource[.group]`:
 * THE list, proven against the real API server by test/controller/rbac.test.ts and checked against
 * every rendered Role by test/packaging/manifests.test.ts. When RBAC changes (Leases for leader
 * election: LEADER_ELECTION_MAY; for sharding: SHARD_RING_MAY), change deploy/rbac, deploy/namespaced,
 * deploy/sharding, the chart's rules and these lists together.
 */
export const CONTROLLER_MAY: readonly string[] = [
  // ClusterRole (or, namespaced, Role) paiflow-controller: reconciling.
  'list pipelinerunnodes.paiflow.dev',
  'watch pipelinerunnodes.paiflow.dev',
  'patch pipelinerunnodes/status.paiflow.dev',
  'get secrets',
  'create events',
  'get events',
  'patch events',
  // ClusterRole paiflow-controller-metrics-auth (both modes): secure metrics.
  'create tokenreviews.authentication.k8s.io',
  'create subjectaccessreviews.authorization.k8s.io',
];

/**
 * What the ServiceAccount may do in its own namespace (paiflow-system) on top, through the Role
 * paiflow-controller-leader-election: the Lease (update on its own Lease only) and its Event.
 */
export const LEADER_ELECTION_MAY: readonly string[] = [
  'get leases.coordination.k8s.io',
  'create leases.coordination.k8s.io',
  'update leases.coordination.k8s.io/paiflow-controller',
  'create events',
  'get events',
  'patch events',
];

/**
 * What the ServiceAccount may do in its own namespace on top in the sharding mode (--sharding), through
 * the Role paiflow-controller-shard-ring instead of paiflow-controller-leader-election: the ring's
 * member Leases, whose names are made at start (so no resourceNames), and no Event.
 */
export const SHARD_RING_MAY: readonly string[] = [
  'get leases.coordination.k8s.io',
  'list leases.coordination.k8s.io',
  'create leases.coordination.k8s.io',
  'update leases.coordination.k8s.io',
  'delete leases.coordination.k8s.io',
];

/** The lines of CONTROLLER_MAY that the role named `paiflow-controller` grants. */
export const RECONCILE_MAY: readonly string[] = CONTROLLER_MAY.slice(0, 7);

/** The lines of CONTROLLER_MAY that paiflow-controller-metrics-auth grants, in every namespace. */
export const METRICS_AUTH_MAY: readonly string[] = CONTROLLER_MAY.slice(7);

/** An RBAC rule as far as these lists go. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** `rules` as sorted `verb resource[.group][/names]` lines, the form of CONTROLLER_MAY. */
export function permissionLines(rules: readonly PolicyRule[]): string[] {
  const out = new Set<string>();
  for (const rule of rules) {
    const names = rule.resourceNames?.length ? `/${rule.resourceNames.join(',')}` : '';
    for (const group of rule.apiGroups ?? ['']) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs)
          out.add(`${verb} ${resource}${group === '' ? '' : `.${group}`}${names}`);
      }
    }
  }
  return [...out].sort();
}

/** What Kubernetes grants every authenticated user (system:basic-user and friends): not ours. */
export const EVERY_USER_MAY: readonly string[] = [
  'create selfsubjectreviews.authentication.k8s.io',
  'create selfsubjectaccessreviews.authorization.k8s.io',
  'create selfsubjectrulesreviews.authorization.k8s.io',
  'get clustertrustbundles.certificates.k8s.io',
  'list clustertrustbundles.certificates.k8s.io',
  'watch clustertrustbundles.certificates.k8s.io',
];

/**
 * What `kubeConfig`'s user may do with resources in `namespace` (a SelfSubjectRulesReview on the real
 * API server), as permissionLines. Non-resource URLs (discovery, health) must be read-only: throws
 * naming the rule otherwise.
 */
export async function permissions(kubeConfig: KubeConfig, namespace: string): Promise<string[]> {
  const review = await kubeConfig.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({
    body: { spec: { namespace } },
  });
  for (const rule of review.status?.nonResourceRules ?? []) {
    if (rule.verbs.join() !== 'get') {
      throw new Error(`a non-resource rule grants more than get: ${JSON.stringify(rule)}`);
    }
  }
  return permissionLines(review.status?.resourceRules ?? []);
}

/**
 * permissions() of another user, asked by an admin impersonating it (as `kubectl auth can-i --list
 * --as` does): works whether or not that user's ServiceAccount exists. The API server gives an
 * impersonated ServiceAccount its groups, system:authenticated among them.
 */
export function permissionsAs(admin: KubeConfig, user: string, namespace: string): Promise<string[]> {
  const impersonating = new KubeConfig();
  impersonating.loadFromOptions({
    clusters: admin.getClusters(),
    users: admin.getUsers().map((u) => ({ ...u, impersonateUser: user })),
    contexts: admin.getContexts(),
    currentContext: admin.getCurrentContext(),
  });
  return permissions(impersonating, namespace);
}
