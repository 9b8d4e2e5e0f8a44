/**
 * The Argo CD health check and "poll-now" action in deploy/argocd/, run with Debian's lua5.1 the way
 * Argo CD's own resource_customizations tests run them (health_test.yaml, action_test.yaml), plus
 * the kstatus view (Flux, kpt) of the same objects and the argocd-cm patch's drift check.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Json } from './lua-table.ts';
import {
  ACTIONS_KEY,
  ARGOCD_CM_PATCH,
  HEALTH_KEY,
  readRepoFile,
  renderArgocdCmPatch,
} from './argocd-cm-patch.ts';
import { describeWithTools } from '../support/tools.ts';
import { luaTool, runArgoLua } from './lua.ts';

const DIR = 'deploy/argocd/resource_customizations/paiflow.dev/PipelineRunNode';
const path = (file: string): string => fileURLToPath(new URL(`../../${DIR}/${file}`, import.meta.url));
const load = (file: string): unknown => parse(readRepoFile(`${DIR}/${file}`));

type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended';
interface HealthTest {
  healthStatus: { status: HealthStatus; message: string };
  inputPath: string;
}
interface ActionTests {
  discoveryTests: { inputPath: string; result: { name: string; disabled?: boolean }[] }[];
  actionTests: { action: string; inputPath: string; expectedOutputPath: string }[];
}

const healthTests = (load('health_test.yaml') as { tests: HealthTest[] }).tests;
const actionTests = load('actions/action_test.yaml') as ActionTests;

interface Condition {
  type: string;
  status: string;
}
interface Resource {
  metadata: { generation?: number; deletionTimestamp?: string };
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

/** kstatus's verdict on a custom resource (controller-conventions.md, "kstatus"). */
function kstatus(resource: Resource): 'Terminating' | 'InProgress' | 'Failed' | 'Current' {
  if (resource.metadata.deletionTimestamp !== undefined) return 'Terminating';
  const { status } = resource;
  const observed = status?.observedGeneration;
  if (observed !== undefined && observed !== resource.metadata.generation) return 'InProgress';
  const is = (type: string, value: string): boolean =>
    status?.conditions?.some((c) => c.type === type && c.status === value) ?? false;
  if (is('Reconciling', 'True')) return 'InProgress';
  if (is('Stalled', 'True')) return 'Failed';
  if (is('Ready', 'True')) return 'Current';
  if (is('Ready', 'False') || is('Ready', 'Unknown')) return 'InProgress';
  return 'Current';
}

/** What kstatus must say of an object Argo CD judges `health` (Suspended: kstatus has no such state). */
const KSTATUS_FOR: Record<HealthStatus, ReturnType<typeof kstatus>> = {
  Healthy: 'Current',
  Progressing: 'InProgress',
  Degraded: 'Failed',
  Suspended: 'InProgress',
};

describe('Argo CD health_test.yaml', () => {
  it('covers every testdata file and every health status', () => {
    expect(healthTests.map((t) => t.inputPath).sort()).toEqual(
      readdirSync(path('testdata'))
        .map((f) => `testdata/${f}`)
        .sort(),
    );
    expect(new Set(healthTests.map((t) => t.healthStatus.status))).toEqual(
      new Set(['Healthy', 'Progressing', 'Degraded', 'Suspended']),
    );
  });

  it.each(healthTests)(
    'kstatus agrees with $healthStatus.status for $inputPath',
    ({ healthStatus, inputPath }) => {
      const resource = load(inputPath) as Resource;
      // No status at all (before the controller's first write): kstatus falls through to rule 5,
      // Current, where Argo CD waits. docs/gitops.md tells Flux users about this short window.
      const want = resource.status === undefined ? 'Current' : KSTATUS_FOR[healthStatus.status];
      expect(kstatus(resource)).toBe(want);
    },
  );
});

describeWithTools('Argo CD Lua scripts with lua5.1', [luaTool()], () => {
  it.each(healthTests)('health.lua: $inputPath is $healthStatus.status', ({ healthStatus, inputPath }) => {
    const [status, message] = runArgoLua('health', path('health.lua'), load(inputPath) as Json).split('\n');
    expect({ status, message }).toEqual(healthStatus);
  });

  it.each(actionTests.discoveryTests)(
    'discovery.lua offers the actions for $inputPath',
    ({ inputPath, result }) => {
      const out = runArgoLua(
        'discovery',
        path('actions/discovery.lua'),
        load(`actions/${inputPath}`) as Json,
      );
      const offered = JSON.parse(out) as Record<string, { disabled?: boolean }>;
      expect(Object.entries(offered).map(([name, options]) => ({ name, ...options }))).toEqual(result);
    },
  );

  it.each(actionTests.actionTests)(
    '$action on $inputPath gives $expectedOutputPath',
    ({ action, inputPath, expectedOutputPath }) => {
      const out = runArgoLua(
        'action',
        path(`actions/${action}/action.lua`),
        load(`actions/${inputPath}`) as Json,
      );
      expect(JSON.parse(out)).toEqual(load(`actions/${expectedOutputPath}`) as Json);
    },
  );

  it('poll-now writes the current UTC time in RFC 3339', () => {
    // The script's own os.date call, unpinned: Argo CD's annotation format must be what the controller echoes.
    const before = Math.floor(Date.now() / 1000) * 1000;
    const out = runArgoLua(
      'action-real-clock',
      path('actions/poll-now/action.lua'),
      load('actions/testdata/succeeded.yaml') as Json,
    );
    const after = Date.now();
    const { metadata } = JSON.parse(out) as { metadata: { annotations: Record<string, string> } };
    const value = metadata.annotations['paiflow.dev/reconcile-requested-at'] ?? '';
    expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(value)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(value)).toBeLessThanOrEqual(after);
  });
});

describe(ARGOCD_CM_PATCH, () => {
  const data = (text: string): Record<string, string> =>
    (parse(text) as { data: Record<string, string> }).data;

  it('inlines health.lua and the actions exactly as they are in resource_customizations/', () => {
    const onDisk = data(readRepoFile(ARGOCD_CM_PATCH));
    const fresh = data(renderArgocdCmPatch());
    expect(onDisk).toEqual(fresh);
    expect(onDisk[HEALTH_KEY]).toBe(readRepoFile(`${DIR}/health.lua`));
    const actions = parse(onDisk[ACTIONS_KEY] ?? '') as {
      definitions: { name: string; 'action.lua': string }[];
    };
    expect(actions.definitions).toEqual([
      { name: 'poll-now', 'action.lua': readRepoFile(`${DIR}/actions/poll-now/action.lua`) },
    ]);
  });
});
