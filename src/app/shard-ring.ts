import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.ts';
import { kubeErrorInfo } from '../kube/api-errors.ts';
import { KubeLeaseRing } from '../kube/lease-ring.ts';
import type { Runnable } from '../controller/lifecycle/runnable.ts';
import { ShardRing, type OwnershipChange, type RingEvent } from '../controller/sharding/index.ts';
import type { LeaseTimings } from '../controller/lease/lease-timings.ts';

/** `--sharding` and its settings; see src/cli/commands/run.ts. */
export interface ShardingOptions extends Required<LeaseTimings> {
  /** Where the member Leases live: the controller's own namespace. */
  namespace: string;
  /** The ring's name: the `paiflow.dev/shard-ring` label of its Leases and their names' prefix. */
  ring: string;
  /** This replica in the ring: the pod name plus a random suffix, unique per process. */
  identity: string;
}

/**
 * Runs `ring` as a component: it joins when started (after the cache has synced, so the first
 * ownership change sees every resource) and, when stopped (after the reconcile work, which the
 * manager stops first), drops every resource and deletes its Lease. Ready at once: /readyz never
 * depends on membership. `onFailure` is told when the ring stopped by itself (`onChange` failed).
 */
export function ringMember(options: {
  ring: ShardRing;
  onChange: OwnershipChange;
  onFailure: (error: unknown) => void;
}): Runnable {
  const { ring, onChange, onFailure } = options;
  return {
    name: 'shard-ring',
    start(signal) {
      const stopped = ring.run(signal, onChange).catch(onFailure);
      return { ready: Promise.resolve(), stopped };
    },
  };
}

/** The shard ring of `options`, logging what happens to it. */
export function createShardRing(deps: {
  options: ShardingOptions;
  kubeConfig: KubeConfig;
  clock: Clock;
  log: Logger;
}): ShardRing {
  const { options, kubeConfig, clock } = deps;
  const log = deps.log.child({ ring: options.ring, identity: options.identity });
  return new ShardRing({
    ring: new KubeLeaseRing({ kubeConfig, namespace: options.namespace, ring: options.ring }),
    identity: options.identity,
    clock,
    leaseDurationMs: options.leaseDurationMs,
    renewDeadlineMs: options.renewDeadlineMs,
    retryPeriodMs: options.retryPeriodMs,
    onEvent: (event) => logRingEvent(log, event),
  });
}

function logRingEvent(log: Logger, event: RingEvent): void {
  switch (event.type) {
    case 'joined':
      log.info('shard ring: joined');
      return;
    case 'renewFailed':
      log.warn(
        { reason: kubeErrorInfo(event.error).summary },
        'shard ring: renewing the member Lease failed',
      );
      return;
    case 'listFailed':
      log.warn(
        { reason: kubeErrorInfo(event.error).summary },
        'shard ring: listing the member Leases failed',
      );
      return;
    case 'fenced':
      log.warn('shard ring: member Lease not renewed within the renew deadline; dropped every resource');
      return;
    case 'viewChanged':
      log.info(
        { members: event.view.members, view: event.view.hash, previous: event.previous.members },
        'shard ring: members changed',
      );
      return;
    case 'settled':
      log.info({ members: event.view.members, view: event.view.hash }, 'shard ring: settled');
      return;
    case 'memberExpired':
      log.info({ member: event.identity }, 'shard ring: a member Lease expired');
      return;
    case 'staleLeaseDeleted':
      log.info({ lease: event.name }, 'shard ring: deleted the Lease of a member long gone');
      return;
    case 'staleLeaseDeleteFailed':
      log.warn(
        { lease: event.name, reason: kubeErrorInfo(event.error).summary },
        'shard ring: deleting the Lease of a member long gone failed',
      );
      return;
    case 'left':
      log.info({ leaseDeleted: event.deleted }, 'shard ring: left');
      return;
  }
}
