import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import {
  getResource,
  pipelineRunNode,
  startEnvironment,
  waitFor,
  type Environment,
} from '../support/environment.ts';

// spec.type Physical: PAIFlow's Type=Physical lists the nodes containers ran on, not the logical node
// itself. The resource still reports the logical node's status (phase, conditions), with the
// physical nodes as its children.

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment({
    runs: [
      {
        id: 'flow-phys0001',
        nodes: [
          {
            id: 'node-train',
            name: 'train',
            duration: '2m',
            physical: [
              { id: 'pod-0', name: 'worker-0', duration: '1m' },
              { id: 'pod-1', name: 'worker-1' },
            ],
          },
        ],
      },
    ],
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await env.close();
});

test("phase and conditions are the logical node's; the physical nodes are its children", async () => {
  await env.cluster.create(
    pipelineRunNode(env, 'train-physical', {
      pipelineRunId: 'flow-phys0001',
      nodeId: 'node-train',
      type: 'Physical',
    }),
  );
  env.paiflow.setTime(30_000);
  let r = await waitFor(async () => {
    const res = await getResource(env, 'train-physical');
    return res?.status?.phase === 'Running' && res;
  }, 'phase Running');
  expect(r.status).toMatchObject({
    nodeId: 'node-train',
    nodeName: 'train',
    childrenTotal: 2,
    progress: '0/2',
  });
  expect(r.status?.children?.map((c) => c.nodeId).sort()).toEqual(['pod-0', 'pod-1']);

  env.paiflow.setTime(10 * 60_000);
  r = await waitFor(async () => {
    const res = await getResource(env, 'train-physical');
    return res?.status?.phase === 'Succeeded' && res;
  }, 'phase Succeeded');
  expect(r.status?.progress).toBe('2/2');
  expect(r.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
});
