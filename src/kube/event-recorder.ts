import { createHash } from 'node:crypto';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Clock } from '../clock/clock.ts';
import { kubeErrorInfo } from './api-errors.ts';

/** The object an Event is about. */
export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid?: string };
}

export interface EventToRecord {
  type: 'Normal' | 'Warning';
  /** CamelCase, e.g. `Succeeded`, `PollingFailing`. */
  reason: string;
  message: string;
}

export interface EventRecorderOptions {
  kubeConfig: KubeConfig;
  clock: Clock;
  /** `source.component` of every Event. */
  component: string;
  /** `source.host`: which replica (pod name). */
  host?: string;
}

const MAX_MESSAGE = 1024;

/**
 * Writes core/v1 Events, aggregated the way `kubectl describe` shows them: the same (object, type,
 * reason, message) always maps to the same Event name, so a repeat bumps `count` and `lastTimestamp`
 * instead of adding an Event, in this process or after a restart. (client-go aggregates in memory
 * with random names, which a restart forgets.) Failures are returned, not thrown: an Event is never
 * worth failing a reconcile for, but the caller counts it.
 */
export class EventRecorder {
  readonly #api: CoreV1Api;
  readonly #clock: Clock;
  readonly #component: string;
  readonly #host: string | undefined;

  constructor(options: EventRecorderOptions) {
    this.#api = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#clock = options.clock;
    this.#component = options.component;
    this.#host = options.host;
  }

  /** Creates the Event or bumps its count. Resolves `{ ok: false, summary }` when the API refused. */
  async record(
    object: InvolvedObject,
    event: EventToRecord,
  ): Promise<{ ok: true } | { ok: false; summary: string }> {
    const { namespace } = object.metadata;
    const name = eventName(object, event);
    const now = new Date(this.#clock.now());
    const message =
      event.message.length > MAX_MESSAGE ? `${event.message.slice(0, MAX_MESSAGE - 1)}…` : event.message;
    try {
      await this.#api.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            namespace,
            ...(object.metadata.uid !== undefined && { uid: object.metadata.uid }),
          },
          type: event.type,
          reason: event.reason,
          message,
          source: { component: this.#component, ...(this.#host !== undefined && { host: this.#host }) },
          reportingComponent: this.#component,
          ...(this.#host !== undefined && { reportingInstance: this.#host }),
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      return { ok: true };
    } catch (error) {
      if (kubeErrorInfo(error).status !== 409) return { ok: false, summary: kubeErrorInfo(error).summary };
    }
    try {
      const existing: CoreV1Event = await this.#api.readNamespacedEvent({ namespace, name });
      await this.#api.patchNamespacedEvent(
        {
          namespace,
          name,
          body: { count: (existing.count ?? 1) + 1, lastTimestamp: now.toISOString() },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return { ok: true };
    } catch (error) {
      return { ok: false, summary: kubeErrorInfo(error).summary };
    }
  }
}

/** `<object name>.<16 hex of a hash of uid, type, reason and message>`, a valid Event name. */
export function eventName(object: InvolvedObject, event: EventToRecord): string {
  const hash = createHash('sha256')
    .update(
      [object.metadata.uid ?? object.metadata.name, event.type, event.reason, event.message].join('\u0000'),
    )
    .digest('hex')
    .slice(0, 16);
  return `${object.metadata.name.slice(0, 253 - 17)}.${hash}`;
}
