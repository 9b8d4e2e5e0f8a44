import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const ROOT = new URL('../../', import.meta.url);
const CUSTOMIZATION = 'deploy/argocd/resource_customizations/paiflow.dev/PipelineRunNode';

/** Where the patch lives, relative to the repository root. */
export const ARGOCD_CM_PATCH = 'deploy/argocd/argocd-cm-patch.yaml';
/** The argocd-cm keys Argo CD reads our health check and actions from. */
export const HEALTH_KEY = 'resource.customizations.health.paiflow.dev_PipelineRunNode';
export const ACTIONS_KEY = 'resource.customizations.actions.paiflow.dev_PipelineRunNode';

/** A file of the repository, as text. */
export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

const yamlOptions = { blockQuote: 'literal', lineWidth: 0 } as const;

/**
 * The argocd-cm patch with health.lua, discovery.lua and the poll-now action.lua inlined verbatim:
 * the .lua files are the source (tested in Argo's layout), the patch is derived from them.
 */
export function renderArgocdCmPatch(): string {
  const actions = stringify(
    {
      'discovery.lua': readRepoFile(`${CUSTOMIZATION}/actions/discovery.lua`),
      definitions: [
        { name: 'poll-now', 'action.lua': readRepoFile(`${CUSTOMIZATION}/actions/poll-now/action.lua`) },
      ],
    },
    yamlOptions,
  );
  const patch = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'argocd-cm', namespace: 'argocd', labels: { 'app.kubernetes.io/part-of': 'argocd' } },
    data: { [HEALTH_KEY]: readRepoFile(`${CUSTOMIZATION}/health.lua`), [ACTIONS_KEY]: actions },
  };
  return (
    `# Generated from ${CUSTOMIZATION}/ by test/gitops/argocd-cm-patch.ts; do not edit by hand.\n` +
    `# Regenerate: node_modules/.bin/node test/gitops/argocd-cm-patch.ts && npx prettier --write ${ARGOCD_CM_PATCH}\n` +
    `# (test/gitops/argocd-health.test.ts fails on drift).\n` +
    `# Merge into Argo CD's argocd-cm, e.g. as a kustomize patch; see docs/gitops.md.\n` +
    stringify(patch, yamlOptions)
  );
}

if (import.meta.main) writeFileSync(fileURLToPath(new URL(ARGOCD_CM_PATCH, ROOT)), renderArgocdCmPatch());
