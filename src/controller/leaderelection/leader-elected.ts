import type { Runnable } from '../lifecycle/runnable.ts';
import type { ElectionResult, LeaderElector } from './leader-elector.ts';

/**
 * Runs `work` only while `elector` holds the Lease: started once leadership is taken, its signal
 * aborted at once when leadership is lost or this runnable is stopped. Ready at once: readiness never
 * depends on leadership (a follower is a healthy replica). `stopped` resolves after the work stopped
 * and, when stopped by the signal, the Lease was released; `onResult` then says how the term ended
 * ('lost': the caller must exit so the process restarts clean).
 */
export function leaderElected(options: {
  elector: LeaderElector;
  work: Runnable;
  onResult: (result: ElectionResult) => void;
}): Runnable {
  const { elector, work, onResult } = options;
  return {
    name: `leader-elected ${work.name}`,
    start(signal) {
      const stopped = elector
        .run(signal, async (leaderSignal) => {
          const running = work.start(leaderSignal);
          await running.ready.catch(() => undefined);
          await running.stopped;
        })
        .then(onResult);
      return { ready: Promise.resolve(), stopped };
    },
  };
}
