import { START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import type { Cluster } from '../support/cluster.ts';
import {
  paiflowRequestRecorder,
  pipelineRunNode,
  rateLimitExcess,
  startCluster,
  startEnvironment,
  waitFor,
  type Environment,
  type PaiflowRequestRecord,
} from '../support/environment.ts';

// 200 resources sharing one credentials identity against a simulator that throttles per account.
// Polling every 150 ms, they would ask for ~1300 calls a second: far above any limit here, so the
// rate limits, not the poll interval, decide the call rate.

const RESOURCES = 200;
const RUN = 'flow-many0001';
const RUNNING_AT = 30_000;
const FINISHED_AT = 5 * 60_000;
const nodeIds = Array.from({ length: RESOURCES }, (_, i) => `node-${String(i).padStart(3, '0')}`);
const runs = [{ id: RUN, nodes: nodeIds.map((id) => ({ id, duration: '1m' })) }];

const TEST_TIMEOUT_MS = 60_000;
// Enough workers that they are never the bottleneck: a reconcile (poll, status write, Events) takes
// tens of milliseconds on a busy machine, and 4 workers would keep the call rate under any limit here.
const WORKERS = 32;

/**
 * Eight at a time: fast enough that the controller meets them as a burst above every limit here
 * (one after the other, each a round trip to the real API server, they would trickle in slower than
 * the simulator's 20/s), without the stall of 200 TLS handshakes at once.
 */
async function createAll(env: Environment): Promise<void> {
  for (let i = 0; i < nodeIds.length; i += 8) {
    await Promise.all(
      nodeIds
        .slice(i, i + 8)
        .map((nodeId) => env.cluster.create(pipelineRunNode(env, nodeId, { pipelineRunId: RUN, nodeId }))),
    );
  }
}

/** One list of the namespace per check: the test must not load the machine it measures. */
function allInPhase(env: Environment, phase: string): Promise<boolean> {
  return waitFor(
    async () => {
      const items = (await env.cluster.list({
        apiVersion: 'paiflow.dev/v1alpha1',
        kind: 'PipelineRunNode',
        namespace: env.namespace,
      })) as unknown as PipelineRunNode[];
      return items.length === RESOURCES && items.every((r) => r.status?.phase === phase);
    },
    `all ${RESOURCES} resources ${phase}`,
    30_000,
  );
}

// One API server for the file; each block has a namespace (and its own controller) of its own.
let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
}, START_TIMEOUT_MS);
afterAll(async () => {
  await cluster.close();
});

function outcomes(requests: readonly PaiflowRequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return counts;
}

describe('the controller is the tighter limit', () => {
  const controller = { qps: 100, burst: 10 };
  // The account's quota: a faster rate, and room for 1 s of the controller's rate above its burst
  // (see the last assertion for why: stalls of half a second are common on a busy 2-core machine).
  const simulator = { qps: 120, burst: controller.burst + controller.qps * 1 };
  const recorder = paiflowRequestRecorder();
  let env: Environment;

  beforeAll(async () => {
    env = await startEnvironment({
      shared: { cluster, namespace: 'controller-bound' },
      runs,
      paiflow: { logger: recorder.logger, throttle: simulator },
      manager: { workers: WORKERS, paiflowQps: controller.qps, paiflowBurst: controller.burst },
    });
  });

  afterAll(async () => {
    await env.close();
  });

  test(
    'the call rate the simulator sees never exceeds the configured limit; all converge',
    async () => {
      const lag = monitorEventLoopDelay({ resolution: 5 });
      lag.enable();
      env.paiflow.setTime(RUNNING_AT);
      await createAll(env);
      await allInPhase(env, 'Running');
      // Every resource keeps polling while Running: the limiter stays saturated until they finish.
      env.paiflow.setTime(FINISHED_AT);
      await allInPhase(env, 'Succeeded');

      const times = recorder.requests.map((r) => r.at);
      expect(times.length).toBeGreaterThanOrEqual(2 * RESOURCES);
      // The simulator stamps a request when its handler runs, on the event loop it shares with the
      // controller and the test: a stall of that loop stamps requests sent before it together with
      // those sent after, squeezing up to qps * stall more into a window than were sent in it.
      // (Without the limiter all 200 would arrive at once: an excess of about 190.)
      lag.disable();
      const stampingSlack = 1 + (controller.qps * lag.max) / 1e9;
      expect(rateLimitExcess(times, controller)).toBeLessThanOrEqual(stampingSlack);
      // The controller's limit is the binding one: the simulator never had to throttle. This follows
      // from the bound above as long as the stamping slack fits in the simulator's headroom (its bound
      // exceeds the controller's by simulator.burst - controller.burst over any window): that is, as
      // long as no stall of the event loop lasted more than ~1 s. A longer stall (a very busy
      // machine) can squeeze more calls together than the simulator's quota admits, without the
      // controller sending any faster; then only the bound above says something about the controller.
      if (stampingSlack <= simulator.burst - controller.burst) {
        expect(outcomes(recorder.requests)).toEqual({ OK: times.length });
      } else {
        console.warn(
          `event loop stalled ${Math.round(lag.max / 1e6)} ms: not checking that the simulator never throttled`,
        );
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe('the simulator is the tighter limit', () => {
  const simulator = { qps: 20, burst: 5, retryAfterMs: 250 };
  const controller = { qps: 400, burst: 50, maxConcurrent: 8 };
  const recorder = paiflowRequestRecorder();
  let env: Environment;

  beforeAll(async () => {
    env = await startEnvironment({
      shared: { cluster, namespace: 'simulator-bound' },
      runs,
      paiflow: {
        logger: recorder.logger,
        throttle: { qps: simulator.qps, burst: simulator.burst, retryAfter: simulator.retryAfterMs },
      },
      manager: {
        workers: WORKERS,
        paiflowQps: controller.qps,
        paiflowBurst: controller.burst,
        paiflowMaxConcurrent: controller.maxConcurrent,
      },
    });
  });

  afterAll(async () => {
    await env.close();
  });

  test(
    'throttled answers pause the identity for their retry-after; all converge',
    async () => {
      env.paiflow.setTime(FINISHED_AT);
      // A controller that finds them all at once when it starts: created while one runs, they may
      // come in slower than the simulator's limit on a slow API server, and nothing would be throttled.
      await env.manager.stop(1000);
      await createAll(env);
      await env.startController();
      await allInPhase(env, 'Succeeded');

      const requests = recorder.requests;
      const counts = outcomes(requests);
      const throttled = counts['Throttling.User'] ?? 0;
      expect(counts.OK).toBeGreaterThanOrEqual(RESOURCES);
      expect(throttled).toBeGreaterThan(0); // the controller's 400/s did run into the simulator's 20/s
      // Sending at its own limit regardless, the controller would be throttled on nine calls in ten;
      // pausing, it loses only the calls already under way when the first throttled answer comes back.
      expect(throttled).toBeLessThan(counts.OK ?? 0);
      // In all, a few calls per resource; a loop ignoring the throttling would make ~2400 in 6 s.
      expect(requests.length).toBeLessThanOrEqual(3 * RESOURCES);
      // A throttled answer pauses the identity for the retry-after: until then the simulator sees only
      // requests that were already on their way (at most one per concurrency slot), where a controller
      // ignoring it would send 400/s * 225 ms = 90.
      for (const [i, answer] of requests.entries()) {
        if (answer.outcome !== 'Throttling.User') continue;
        const tooSoon = requests.filter(
          (r, j) => j > i && r.at < answer.at + 0.9 * simulator.retryAfterMs,
        ).length;
        expect(tooSoon).toBeLessThanOrEqual(controller.maxConcurrent);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
