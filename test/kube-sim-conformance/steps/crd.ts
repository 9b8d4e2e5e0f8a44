import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { GROUP_PATH, kubectl, type Step } from '../step.ts';

/**
 * The server's version, and the shipped CRD: installed, Established, served, explained; and a schema
 * the real server refuses.
 */

const CRD_FILE = new URL('../../../deploy/crd.yaml', import.meta.url).pathname;
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** The shipped CRD with `patch` applied to its (only) version's openAPIV3Schema. */
function crdWithSchema(patch: (schema: Record<string, Record<string, unknown>>) => void): unknown {
  const crd = parse(readFileSync(CRD_FILE, 'utf8')) as {
    spec: { versions: Array<{ schema: { openAPIV3Schema: Record<string, Record<string, unknown>> } }> };
  };
  patch(crd.spec.versions[0]!.schema.openAPIV3Schema);
  return crd;
}

export const crdSteps: Step[] = [
  {
    area: 'crd',
    // The release only: gitCommit, buildDate and goVersion describe a build, which kube-sim is not.
    name: 'GET /version (major, minor, gitVersion)',
    run: async (t) => {
      const { status, body } = await t.request('GET', '/version');
      const { major, minor, gitVersion } = body as Record<string, unknown>;
      return { status, major, minor, gitVersion };
    },
  },
  {
    area: 'crd',
    name: 'refuses a description under openAPIV3Schema.properties.metadata',
    run: (t) =>
      t.request(
        'POST',
        `${CRD_PATH}?dryRun=All`,
        crdWithSchema((schema) => {
          schema.properties!.metadata = { type: 'object', description: 'not allowed here' };
        }),
      ),
  },
  {
    area: 'crd',
    name: 'refuses properties under openAPIV3Schema.properties.metadata',
    run: (t) =>
      t.request(
        'POST',
        `${CRD_PATH}?dryRun=All`,
        crdWithSchema((schema) => {
          schema.properties!.metadata = { type: 'object', properties: { labels: { type: 'object' } } };
        }),
      ),
  },
  {
    area: 'crd',
    name: 'kubectl 1.33 apply -f deploy/crd.yaml',
    run: (t) => kubectl(t, '1.33', ['apply', '-f', CRD_FILE]),
  },
  {
    area: 'crd',
    name: 'kubectl 1.27 wait --for=condition=Established',
    run: (t) =>
      kubectl(t, '1.27', [
        'wait',
        '--for=condition=Established',
        'crd/pipelinerunnodes.paiflow.dev',
        '--timeout=30s',
      ]),
  },
  {
    area: 'crd',
    name: 'GET the CRD as stored (defaults, status, conditions)',
    run: (t) => t.request('GET', `${CRD_PATH}/pipelinerunnodes.paiflow.dev`),
  },
  {
    area: 'crd',
    name: 'kubectl 1.27 apply -f deploy/crd.yaml again',
    run: (t) => kubectl(t, '1.27', ['apply', '-f', CRD_FILE]),
  },
  {
    area: 'crd',
    name: 'discovery of paiflow.dev/v1alpha1',
    run: (t) => t.request('GET', GROUP_PATH),
  },
  {
    area: 'crd',
    name: 'kubectl 1.33 api-resources --api-group=paiflow.dev',
    run: (t) => kubectl(t, '1.33', ['api-resources', '--api-group=paiflow.dev']),
  },
  {
    area: 'crd',
    name: 'kubectl 1.33 explain pipelinerunnode.spec.depth',
    run: (t) => kubectl(t, '1.33', ['explain', 'pipelinerunnode.spec.depth']),
  },
  {
    area: 'crd',
    name: 'kubectl 1.27 explain pipelinerunnode.spec.depth',
    run: (t) => kubectl(t, '1.27', ['explain', 'pipelinerunnode.spec.depth']),
  },
];
