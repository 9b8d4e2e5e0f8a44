import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock/clock.ts';
import { isNotFound } from './api-errors.ts';

interface CachedSecret {
  data: ReadonlyMap<string, string> | undefined;
  expiresAt: number;
}

export interface SecretReaderOptions {
  kubeConfig: KubeConfig;
  clock: Clock;
  /** How long a read (or a "not found") is reused. @default 30000 */
  ttlMs?: number;
}

/**
 * Reads Secrets for reconciles, with a short cache so thousands of resources sharing one Secret cost
 * one GET per TTL rather than one per poll. The namespace is always the resource's own: callers pass
 * `resource.metadata.namespace`, and nothing in a spec can name another namespace.
 * Values are decoded from base64 and kept only in memory; this class never logs.
 */
export class SecretReader {
  readonly #api: CoreV1Api;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, CachedSecret>();

  constructor(options: SecretReaderOptions) {
    this.#api = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs ?? 30_000;
  }

  /** The Secret's data, or undefined when it does not exist. Other API errors are thrown. */
  async read(namespace: string, name: string): Promise<ReadonlyMap<string, string> | undefined> {
    const key = `${namespace}/${name}`;
    const now = this.#clock.now();
    const cached = this.#cache.get(key);
    if (cached && cached.expiresAt > now) return cached.data;
    let data: ReadonlyMap<string, string> | undefined;
    try {
      const secret = await this.#api.readNamespacedSecret({ namespace, name });
      data = new Map(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
      data = undefined;
    }
    this.#evictExpired(now);
    this.#cache.set(key, { data, expiresAt: now + this.#ttlMs });
    return data;
  }

  /** Forgets a Secret, e.g. after PAIFlow rejected its credentials, so a fixed Secret is read at once. */
  invalidate(namespace: string, name: string): void {
    this.#cache.delete(`${namespace}/${name}`);
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#cache) if (entry.expiresAt <= now) this.#cache.delete(key);
  }
}
