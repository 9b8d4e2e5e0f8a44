import { clusterRoleBindings } from './clusterrolebindings.ts';
import { clusterRoles } from './clusterroles.ts';
import { configMaps } from './configmaps.ts';
import { deployments } from './deployments.ts';
import { networkPolicies } from './networkpolicies.ts';
import type { PermissiveKind } from './permissive-kind.ts';
import { podDisruptionBudgets } from './poddisruptionbudgets.ts';
import { roleBindings } from './rolebindings.ts';
import { roles } from './roles.ts';
import { serviceAccounts } from './serviceaccounts.ts';
import { services } from './services.ts';

/** The built-in kinds served with permissive schemas (see permissive-kind.ts), in discovery order. */
export const permissiveKinds: PermissiveKind[] = [
  configMaps,
  serviceAccounts,
  services,
  deployments,
  networkPolicies,
  podDisruptionBudgets,
  clusterRoleBindings,
  clusterRoles,
  roleBindings,
  roles,
];
