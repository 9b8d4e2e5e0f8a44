import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.ts';
import { kubeErrorInfo } from '../kube/api-errors.ts';
import type { EventRecorder } from '../kube/event-recorder.ts';
import { KubeLeaseStore } from '../kube/lease-store.ts';
import { LeaderElector, type ElectorEvent } from '../controller/leaderelection/leader-elector.ts';
import type { Metrics } from '../observability/metrics/index.ts';
import type { LeaseTimings } from '../controller/lease/lease-timings.ts';

/** `--leader-elect` and its settings; see src/cli/commands/run.ts. */
export interface LeaderElectionOptions extends Required<LeaseTimings> {
  /** Where the Lease lives: the controller's own namespace. */
  namespace: string;
  /** The Lease's name (`--leader-election-id`). */
  id: string;
  /** This replica in the Lease: the pod name plus a random suffix, unique per process. */
  identity: string;
}

/**
 * The elector of `options`, reporting what happens: logs, `leader_election_master_status`, and an
 * Event on the Lease when this replica takes it (as client-go's `<identity> became leader`).
 */
export function createLeaderElector(deps: {
  options: LeaderElectionOptions;
  kubeConfig: KubeConfig;
  clock: Clock;
  log: Logger;
  events: EventRecorder;
  metrics: Metrics | undefined;
}): LeaderElector {
  const { options, log, metrics, events } = deps;
  const lease = { name: options.id, namespace: options.namespace };
  const status = metrics?.handles.leaderElectionMasterStatus;
  status?.set({ name: options.id }, 0);
  const onEvent = (event: ElectorEvent): void => {
    switch (event.type) {
      case 'acquired':
        status?.set({ name: options.id }, 1);
        log.info({ lease, identity: options.identity }, 'leader election: became leader');
        void events
          .record(
            { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease },
            { type: 'Normal', reason: 'LeaderElection', message: `${options.identity} became leader` },
          )
          .then((result) => {
            if (!result.ok)
              log.warn({ summary: result.summary }, 'the LeaderElection Event could not be recorded');
          });
        return;
      case 'renewFailed':
        log.warn(
          { lease, reason: kubeErrorInfo(event.error).summary },
          'leader election: renewing the Lease failed',
        );
        return;
      case 'acquireFailed':
        log.warn(
          { lease, reason: kubeErrorInfo(event.error).summary },
          'leader election: could not read or take the Lease',
        );
        return;
      case 'lost':
        status?.set({ name: options.id }, 0);
        log.error({ lease, reason: event.reason }, 'leader election: leadership lost');
        return;
      case 'released':
        status?.set({ name: options.id }, 0);
        log.info({ lease }, 'leader election: Lease released');
        return;
      case 'leaderObserved':
        log.info({ lease, leader: event.identity }, 'leader election: another replica leads');
        return;
    }
  };
  return new LeaderElector({
    store: new KubeLeaseStore({ kubeConfig: deps.kubeConfig, ...lease }),
    identity: options.identity,
    clock: deps.clock,
    leaseDurationMs: options.leaseDurationMs,
    renewDeadlineMs: options.renewDeadlineMs,
    retryPeriodMs: options.retryPeriodMs,
    onEvent,
  });
}
