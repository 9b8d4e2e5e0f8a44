import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';

import { admitCustomResource } from '../sandbox/kube-sim/schema/validate.ts';
import type { AdmitResult } from '../sandbox/kube-sim/schema/validate.ts';
import type { CustomResourceDefinition, JSONSchemaProps } from '../sandbox/kube-sim/schema/types.ts';

/** Test helpers around deploy/crd.yaml: the CRD, its schema, and admission as the API server does it. */

const root = new URL('../../', import.meta.url);

export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, root), 'utf8');
}

/** The parsed deploy/crd.yaml. */
export function pipelineRunNodeCrd(): CustomResourceDefinition {
  return parse(readRepoFile('deploy/crd.yaml')) as CustomResourceDefinition;
}

/** The v1alpha1 `openAPIV3Schema`. */
export function pipelineRunNodeSchema(): JSONSchemaProps {
  const schema = pipelineRunNodeCrd().spec.versions[0]?.schema?.openAPIV3Schema;
  if (schema === undefined) throw new Error('deploy/crd.yaml: v1alpha1 has no openAPIV3Schema');
  return schema;
}

// Read once: parsing deploy/crd.yaml costs more than admitting an object, and property tests admit thousands.
let schemaOnce: JSONSchemaProps | undefined;

/** Admits `obj` (and `oldObj` for an update) with the CRD's schema, as kube-apiserver would. */
export function admit(obj: unknown, oldObj?: unknown): AdmitResult {
  schemaOnce ??= pipelineRunNodeSchema();
  return admitCustomResource({
    schema: schemaOnce,
    obj: obj as Record<string, unknown>,
    ...(oldObj === undefined ? {} : { oldObj: oldObj as Record<string, unknown> }),
  });
}

/** Admits a PipelineRunNode with this spec and status, as a status write would be admitted. */
export function admitStatus(spec: unknown, status: unknown): AdmitResult {
  return admit({
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name: 'x', namespace: 'default' },
    spec,
    status,
  });
}

/** Every YAML document of a repository file, parsed. */
export function yamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readRepoFile(path)).map((doc) => doc.toJS() as unknown);
}
