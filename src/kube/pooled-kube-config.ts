import { createHash, type Hash } from 'node:crypto';
import { KubeConfig, type Cluster, type RequestContext } from '@kubernetes/client-node';
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import type { AgentOptions } from 'node:https';

export interface PooledKubeConfigOptions {
  /** A loaded configuration: its clusters, users, contexts and current context are used as they are. */
  source: KubeConfig;
  /**
   * undici interceptors every Kubernetes request goes through (API calls and watches alike), e.g.
   * to count them. Each must be cheap and must not throw.
   */
  interceptors?: readonly Dispatcher.DispatcherComposeInterceptor[];
  /**
   * false keeps client-node's own behaviour, a new connection per request (the benchmark's
   * baseline). @default true
   */
  reuseConnections?: boolean;
}

type CreateDispatcher = (cluster: Cluster | null, agentOptions: AgentOptions) => Dispatcher | undefined;

/**
 * A KubeConfig whose requests share keep-alive connections, and the one place where Kubernetes
 * requests can be intercepted.
 *
 * client-node 2.0 asks the KubeConfig for an undici dispatcher on every request (API clients and
 * `Watch` both call `applySecurityAuthentication`), and its private `createDispatcher` builds a new
 * `Agent` each time whenever the cluster has TLS settings of its own (a CA, client certificates,
 * `skipTLSVerify`): every request then opens a new connection and, over TLS, does a full handshake
 * (docs/benchmarks.md). Here that method is replaced on the instance by one that returns the same
 * dispatcher as long as the TLS settings client-node computed for the request are the same (it
 * re-reads CA and certificate files per request, so a rotated file yields a new dispatcher; the old
 * one is closed once its requests, watches included, have ended). Bearer tokens travel in headers,
 * not in the dispatcher, so token rotation keeps the connections.
 *
 * Authenticators added to `source` with `addAuthenticator` are not carried over. Call `close()`
 * once no request is in flight any more, to close the idle connections.
 */
export class PooledKubeConfig extends KubeConfig {
  readonly #interceptors: readonly Dispatcher.DispatcherComposeInterceptor[];
  readonly #composed = new WeakMap<Dispatcher, Dispatcher>();
  #current: { key: string; dispatcher: Dispatcher | undefined } | undefined;
  readonly #retired = new Set<Dispatcher>();

  constructor(options: PooledKubeConfigOptions) {
    super();
    const { clusters, users, contexts, currentContext } = options.source;
    this.loadFromOptions({ clusters, users, contexts, currentContext });
    this.#interceptors = options.interceptors ?? [];
    if (options.reuseConnections === false) return;
    const original: unknown = Reflect.get(KubeConfig.prototype, 'createDispatcher');
    if (typeof original !== 'function') {
      // A client-node upgrade moved the seam: fail at start rather than silently open a
      // connection per request again.
      throw new Error(
        '@kubernetes/client-node has no KubeConfig.createDispatcher; PooledKubeConfig needs updating',
      );
    }
    const shared: CreateDispatcher = (cluster, agentOptions) =>
      this.#shared(cluster, agentOptions, original as CreateDispatcher);
    Object.defineProperty(this, 'createDispatcher', { value: shared });
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (this.#interceptors.length === 0) return;
    // No dispatcher of its own (no TLS settings): fetch would use the global one.
    const base = context.getDispatcher() ?? getGlobalDispatcher();
    let composed = this.#composed.get(base);
    if (composed === undefined) {
      composed = base.compose(...this.#interceptors);
      this.#composed.set(base, composed);
    }
    context.setDispatcher(composed);
  }

  /**
   * Closes the shared connections at once: requests still in flight fail (call it once nothing
   * should be, e.g. last in a shutdown: a hung request must not hold the process). Requests after
   * this get a new dispatcher.
   */
  async close(): Promise<void> {
    const dispatchers = [...this.#retired];
    if (this.#current?.dispatcher !== undefined) dispatchers.push(this.#current.dispatcher);
    this.#current = undefined;
    this.#retired.clear();
    await Promise.all(dispatchers.map((d) => d.destroy()));
  }

  #shared(
    cluster: Cluster | null,
    agentOptions: AgentOptions,
    create: CreateDispatcher,
  ): Dispatcher | undefined {
    // createDispatcherOptions is client-node's own (public, pure) mapping of the request's TLS and
    // proxy settings to the dispatcher it would build: equal options, equal dispatcher.
    const key = fingerprint(this.createDispatcherOptions(cluster, agentOptions));
    if (this.#current?.key === key) return this.#current.dispatcher;
    const retired = this.#current?.dispatcher;
    this.#current = { key, dispatcher: create.call(this, cluster, agentOptions) };
    // close() lets requests in flight on the old dispatcher, watches included, finish; it only
    // rejects when the dispatcher was destroyed meanwhile (by our close()), which is then moot.
    if (retired !== undefined) {
      this.#retired.add(retired);
      retired
        .close()
        .catch(() => undefined)
        .finally(() => this.#retired.delete(retired));
    }
    return this.#current.dispatcher;
  }
}

/** A digest of plain data (objects, arrays, strings, numbers, booleans, Buffers), key order aside. */
function fingerprint(value: unknown): string {
  const hash = createHash('sha256');
  feed(hash, value);
  return hash.digest('base64');
}

function feed(hash: Hash, value: unknown): void {
  if (Buffer.isBuffer(value)) {
    hash.update(`b${value.length}:`).update(value);
  } else if (Array.isArray(value)) {
    hash.update(`a${value.length}:`);
    for (const item of value) feed(hash, item);
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    hash.update(`o${entries.length}:`);
    for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : 1))) {
      hash.update(`${k.length}:${k}`);
      feed(hash, v);
    }
  } else {
    const text = String(value);
    hash.update(`${typeof value}${text.length}:${text}`);
  }
}
