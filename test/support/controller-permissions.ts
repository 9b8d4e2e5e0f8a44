/**
 * What the controller's ServiceAccount may do in a namespace it watches, as `verb resource[.group]`:
 * THE list, proven against the real API server by test/controller/rbac.test.ts and checked against
 * every rendered Role by test/packaging/manifests.test.ts. When RBAC changes (Leases for leader
 * election, ...), change deploy/rbac, deploy/namespaced, the chart's rules and this list together.
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
