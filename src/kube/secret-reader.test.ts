import { KubeConfig } from '@kubernetes/client-node';
import { readCrd } from '../../test/support/environment.ts';
import { FakeClock } from '../clock/fake-clock.ts';
import { KubeSim } from '../sandbox/kube-sim/kube-sim.ts';
import { MAX_SECRET_VALUE_BYTES, SecretReader } from './secret-reader.ts';

// The Secret cache against kube-sim over HTTP: bounded in values, entries and bytes, on a fake clock.

let kube: KubeSim;
let kubeConfig: KubeConfig;
const NS = 'team-a';

beforeAll(async () => {
  kube = new KubeSim();
  kube.create(readCrd());
  await kube.listen({ host: '127.0.0.1', port: 0 });
  kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig());
});

afterAll(async () => {
  await kube.close();
});

function secret(name: string, data: Record<string, string>): void {
  kube.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, stringData: data });
}

const reads = (): number => kube.counters.count({ verb: 'get', resource: 'secrets' });

test('a value over the limit is not kept, only its size; the others are', async () => {
  secret('mixed', { small: 'abc', edge: 'e'.repeat(MAX_SECRET_VALUE_BYTES), big: 'b'.repeat(100_000) });
  const reader = new SecretReader({ kubeConfig, clock: new FakeClock() });
  const data = await reader.read(NS, 'mixed');
  expect(data?.get('small')).toBe('abc');
  expect(data?.get('edge')).toHaveLength(MAX_SECRET_VALUE_BYTES);
  expect(data?.get('big')).toBeUndefined();
  expect(data?.oversized('big')).toBe(100_000);
  expect(data?.oversized('small')).toBeUndefined();
  expect(reader.cached.bytes).toBeLessThan(MAX_SECRET_VALUE_BYTES + 100);
});

test('reads are reused for the TTL, "not found" too; invalidate forgets at once', async () => {
  secret('ttl', { k: 'v' });
  // lru-cache takes a start time of 0 for "no TTL": begin later than the epoch.
  const clock = new FakeClock({ now: 1_000_000 });
  const reader = new SecretReader({ kubeConfig, clock, ttlMs: 1000 });
  const before = reads();
  await reader.read(NS, 'ttl');
  await reader.read(NS, 'ttl');
  expect(await reader.read(NS, 'absent')).toBeUndefined();
  await reader.read(NS, 'absent');
  expect(reads() - before).toBe(2);
  clock.advance(999);
  await reader.read(NS, 'ttl');
  expect(reads() - before).toBe(2);
  clock.advance(2);
  await reader.read(NS, 'ttl');
  expect(reads() - before).toBe(3);
  reader.invalidate(NS, 'ttl');
  await reader.read(NS, 'ttl');
  expect(reads() - before).toBe(4);
});

test('at most maxEntries Secrets and maxBytes bytes are kept, least recently used evicted first', async () => {
  for (let i = 0; i < 10; i++) secret(`s-${i}`, { value: String(i).repeat(1000) });
  const reader = new SecretReader({ kubeConfig, clock: new FakeClock(), maxEntries: 4, maxBytes: 1_000_000 });
  for (let i = 0; i < 10; i++) await reader.read(NS, `s-${i}`);
  expect(reader.cached.entries).toBe(4);
  const before = reads();
  await reader.read(NS, 's-9'); // kept
  await reader.read(NS, 's-0'); // evicted long ago
  expect(reads() - before).toBe(1);

  const byBytes = new SecretReader({ kubeConfig, clock: new FakeClock(), maxBytes: 3500 });
  for (let i = 0; i < 10; i++) await byBytes.read(NS, `s-${i}`);
  expect(byBytes.cached.entries).toBe(3);
  expect(byBytes.cached.bytes).toBeLessThanOrEqual(3500);
});
