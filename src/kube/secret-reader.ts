import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock/clock.ts';
import { isNotFound } from './api-errors.ts';

/**
 * The largest Secret value kept, in bytes once decoded: credentials and share tokens are far smaller
 * (an STS security token is 1 to 2 KB). A larger value is never decoded nor kept, so one namespace's
 * Secrets cannot fill the controller's memory; callers refuse it by name ({@link SecretData.oversized}).
 */
export const MAX_SECRET_VALUE_BYTES = 8192;

/** The keys and values of one Secret, as far as they are kept. */
export class SecretData {
  readonly #values: ReadonlyMap<string, string>;
  readonly #oversized: ReadonlyMap<string, number>;
  /** What this entry weighs in the cache: the bytes of its keys and kept values. */
  readonly bytes: number;

  constructor(values: ReadonlyMap<string, string>, oversized: ReadonlyMap<string, number> = new Map()) {
    this.#values = values;
    this.#oversized = oversized;
    let bytes = 0;
    for (const [key, value] of values) bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    for (const key of oversized.keys()) bytes += Buffer.byteLength(key);
    this.bytes = bytes;
  }

  /** The decoded value of `key`; undefined when absent or too large (see `oversized`). */
  get(key: string): string | undefined {
    return this.#values.get(key);
  }

  /** The decoded size of `key`'s value when it exceeds MAX_SECRET_VALUE_BYTES (and was not kept). */
  oversized(key: string): number | undefined {
    return this.#oversized.get(key);
  }
}

export interface SecretReaderOptions {
  kubeConfig: KubeConfig;
  clock: Clock;
  /** How long a read (or a "not found") is reused. @default 30000 */
  ttlMs?: number;
  /** Secrets kept at most; the least recently used go first. @default 10000 */
  maxEntries?: number;
  /** Bytes of keys and values kept at most, over all Secrets. @default 16 MiB */
  maxBytes?: number;
}

/** A cached read: the Secret, or `undefined` for "not found". */
interface Entry {
  data: SecretData | undefined;
}

/**
 * Reads Secrets for reconciles, with a short cache so thousands of resources sharing one Secret cost
 * one GET per TTL rather than one per poll. The namespace is always the resource's own: callers pass
 * `resource.metadata.namespace`, and nothing in a spec can name another namespace.
 * Values are decoded from base64 and kept only in memory; this class never logs.
 * Memory is bounded: values over MAX_SECRET_VALUE_BYTES are dropped on arrival, and the cache holds
 * at most `maxEntries` Secrets and `maxBytes` bytes (least recently used evicted first).
 */
export class SecretReader {
  readonly #api: CoreV1Api;
  readonly #cache: LRUCache<string, Entry>;

  constructor(options: SecretReaderOptions) {
    this.#api = options.kubeConfig.makeApiClient(CoreV1Api);
    const { clock } = options;
    this.#cache = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxBytes ?? 16 * 1024 * 1024,
      // The key itself counts too, so even "not found" entries weigh something.
      sizeCalculation: (entry, key) => Math.max(1, key.length + (entry.data?.bytes ?? 0)),
      ttl: options.ttlMs ?? 30_000,
      // On the injected clock, read each time (no cached "now"), and expired entries simply miss.
      perf: { now: () => clock.now() },
      ttlResolution: 0,
    });
  }

  /** The Secret's data, or undefined when it does not exist. Other API errors are thrown. */
  async read(namespace: string, name: string): Promise<SecretData | undefined> {
    const key = `${namespace}/${name}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached.data;
    let data: SecretData | undefined;
    try {
      const secret = await this.#api.readNamespacedSecret({ namespace, name });
      data = decode(secret.data ?? {});
    } catch (error) {
      if (!isNotFound(error)) throw error;
      data = undefined;
    }
    this.#cache.set(key, { data });
    return data;
  }

  /** Forgets a Secret, e.g. after PAIFlow rejected its credentials, so a fixed Secret is read at once. */
  invalidate(namespace: string, name: string): void {
    this.#cache.delete(`${namespace}/${name}`);
  }

  /** Secrets cached now, and the bytes they weigh (for tests and benchmarks). */
  get cached(): { entries: number; bytes: number } {
    return { entries: this.#cache.size, bytes: this.#cache.calculatedSize };
  }
}

function decode(encoded: Readonly<Record<string, string>>): SecretData {
  const values = new Map<string, string>();
  const oversized = new Map<string, number>();
  for (const [key, value] of Object.entries(encoded)) {
    const bytes = Buffer.byteLength(value, 'base64');
    if (bytes > MAX_SECRET_VALUE_BYTES) oversized.set(key, bytes);
    else values.set(key, Buffer.from(value, 'base64').toString('utf8'));
  }
  return new SecretData(values, oversized);
}
