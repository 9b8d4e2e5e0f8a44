import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { RECONCILE_ANNOTATION } from '../../src/api/v1alpha1.ts';

/**
 * Asks for reconciles of PipelineRunNodes (the reconcile-requested-at annotation, set by an admin)
 * round robin, while resumed: `loops` requests in flight at most, each loop one every `everyMs` at
 * most. So status is written during the moments a test cares about (a handover) without a change of
 * spec. With N names, each is requested at most every N * everyMs / loops.
 */
export class ReconcileRequests {
  /** Requests the API server accepted. */
  sent = 0;
  /** The first request it refused, if any. */
  refused: unknown;
  readonly #api: CustomObjectsApi;
  readonly #namespace: string;
  readonly #names: readonly string[];
  readonly #stop = new AbortController();
  readonly #running: Promise<void>;
  #resumed = false;
  #next = 0;

  constructor(options: {
    admin: KubeConfig;
    namespace: string;
    names: readonly string[];
    loops?: number;
    everyMs?: number;
  }) {
    this.#api = options.admin.makeApiClient(CustomObjectsApi);
    this.#namespace = options.namespace;
    this.#names = options.names;
    const loops = Array.from({ length: options.loops ?? 2 }, () => this.#loop(options.everyMs ?? 100));
    this.#running = Promise.all(loops).then(() => undefined);
  }

  resume(): void {
    this.#resumed = true;
  }

  pause(): void {
    this.#resumed = false;
  }

  /** Stops sending; resolves once no request is in flight. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async #loop(everyMs: number): Promise<void> {
    const stopped = (): boolean => this.#stop.signal.aborted;
    while (!stopped()) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      // Not after stop(): its caller counts what was written until then.
      if (!this.#resumed || stopped()) continue;
      const name = this.#names[this.#next++ % this.#names.length]!;
      try {
        await this.#api.patchNamespacedCustomObject({
          group: 'paiflow.dev',
          version: 'v1alpha1',
          plural: 'pipelinerunnodes',
          namespace: this.#namespace,
          name,
          body: [
            {
              op: 'add',
              path: `/metadata/annotations/${RECONCILE_ANNOTATION.replace('/', '~1')}`,
              value: new Date().toISOString(),
            },
          ],
        });
        this.sent += 1;
      } catch (error) {
        this.refused ??= error;
      }
    }
  }
}
