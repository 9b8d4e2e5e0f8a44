/**
 * Measured process of the benchmark, baseline side: the same ListPipelineRunNodeStatus calls as the
 * controller makes, on the same schedule, with nothing else. One PaiflowClient (signed requests, no
 * retries) over one keep-alive undici Agent, as the controller's PAIFlow gateway uses; as many
 * calls in flight as the controller has workers; every target polled once at the start, then again
 * `pollInterval` (jittered by ±10%, as the controller does) after its previous call ended. No
 * Kubernetes, no rate limit, no status computation. Forked by controller-overhead.ts; see phase.ts.
 */
import { Agent } from 'undici';
import { PaiflowClient, StaticCredentialsProvider } from '../src/paiflow/index.ts';
import { ACCESS_KEY, DEPTH, NODE_TYPE, targets, type Target } from './fixture.ts';
import { runPhase, type MeasuredSide, type PhaseConfig } from './phase.ts';

const JITTER = 0.1;

function startBareLoop(config: PhaseConfig): MeasuredSide {
  const agent = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 10_000 } });
  const client = new PaiflowClient({
    endpoint: config.paiflowUrl,
    credentials: new StaticCredentialsProvider(ACCESS_KEY),
    dispatcher: agent,
    timeoutMs: 10_000,
    retry: { retries: 0 },
  });
  const due: Target[] = targets(config.resources);
  const wakers: (() => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const counts = { polls: 0, errors: 0 };
  let stopped = false;
  let firstRoundLeft = config.resources;
  let firstRoundDone: () => void = () => undefined;
  const firstRound = new Promise<void>((resolve) => {
    firstRoundDone = resolve;
  });

  const schedule = (t: Target): void => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        due.push(t);
        wakers.shift()?.();
      },
      config.pollIntervalMs * (1 - JITTER + 2 * JITTER * Math.random()),
    );
    timers.add(timer);
  };

  const work = async (): Promise<void> => {
    while (!stopped) {
      const t = due.shift();
      if (t === undefined) {
        await new Promise<void>((resolve) => wakers.push(resolve));
        continue;
      }
      try {
        await client.listPipelineRunNodeStatus({
          pipelineRunId: t.pipelineRunId,
          nodeId: t.nodeId,
          depth: DEPTH,
          type: NODE_TYPE,
        });
        counts.polls++;
      } catch {
        counts.errors++; // the simulator counts it too; the report shows its figure
      }
      if (--firstRoundLeft === 0) firstRoundDone();
      schedule(t);
    }
  };
  const workers = Array.from({ length: config.workers }, work);

  return {
    warmedUp: () => firstRound,
    details: () => ({ ...counts }),
    async stop() {
      stopped = true;
      for (const wake of wakers.splice(0)) wake();
      await Promise.all(workers);
      // After the workers: the calls they had in flight scheduled timers too.
      for (const timer of timers) clearTimeout(timer);
      await client.close();
      await agent.close();
    },
  };
}

await runPhase(startBareLoop);
