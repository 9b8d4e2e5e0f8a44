import { kubectl, NAMESPACE, PRN_PATH, type Step } from '../step.ts';

/** The status subresource and metadata.generation. */

const merge = 'application/merge-patch+json';
const condition = {
  type: 'Ready',
  status: 'False',
  reason: 'Running',
  message: 'running',
  lastTransitionTime: '2024-01-01T00:00:00Z',
};

export const statusSteps: Step[] = [
  {
    area: 'status',
    name: 'merge patch of /status changes status only, generation kept',
    run: (t) =>
      t.request(
        'PATCH',
        `${PRN_PATH}/defaults/status`,
        { spec: { depth: 7 }, status: { phase: 'Running', observedGeneration: 1, conditions: [condition] } },
        merge,
      ),
  },
  {
    area: 'status',
    name: 'merge patch of the main resource ignores status, bumps generation',
    run: (t) =>
      t.request('PATCH', `${PRN_PATH}/defaults`, { spec: { depth: 6 }, status: { phase: 'Failed' } }, merge),
  },
  {
    area: 'status',
    name: 'a metadata-only change keeps generation',
    run: (t) => t.request('PATCH', `${PRN_PATH}/defaults`, { metadata: { annotations: { a: 'b' } } }, merge),
  },
  {
    area: 'status',
    name: 'PUT /status with a stale resourceVersion',
    run: async (t) => {
      const current = (await t.request('GET', `${PRN_PATH}/defaults`)).body as {
        metadata: Record<string, unknown>;
      };
      return t.request('PUT', `${PRN_PATH}/defaults/status`, {
        ...current,
        metadata: { ...current.metadata, resourceVersion: '1' },
      });
    },
  },
  {
    area: 'status',
    name: 'status violating its schema',
    run: (t) =>
      t.request(
        'PATCH',
        `${PRN_PATH}/defaults/status`,
        { status: { conditions: [{ type: 'Ready' }] } },
        merge,
      ),
  },
  {
    area: 'status',
    name: 'kubectl 1.27 patch --subresource=status',
    run: (t) =>
      kubectl(t, '1.27', [
        'patch',
        'prn',
        'defaults',
        '-n',
        NAMESPACE,
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"phase":"Succeeded"}}',
      ]),
  },
  {
    area: 'status',
    name: 'kubectl 1.33 get -o wide (printer columns)',
    run: (t) => kubectl(t, '1.33', ['get', 'prn', '-n', NAMESPACE, '-o', 'wide']),
  },
  {
    area: 'status',
    name: 'kubectl 1.33 wait --for=jsonpath on status',
    run: (t) =>
      kubectl(t, '1.33', [
        'wait',
        'prn/defaults',
        '-n',
        NAMESPACE,
        '--for=jsonpath={.status.phase}=Succeeded',
        '--timeout=10s',
      ]),
  },
];
