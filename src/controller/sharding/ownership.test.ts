import { Ownership } from './ownership.ts';
import { rendezvousOwner } from './rendezvous.ts';
import { viewOf } from './view.ts';

const keys = Array.from({ length: 200 }, (_, i) => `flow-${i}`);
const abc = viewOf(['pod-c', 'pod-a', 'pod-b']);
const abcd = viewOf(['pod-a', 'pod-b', 'pod-c', 'pod-d']);

test('a view is its sorted, distinct members and their hash, whatever the order', () => {
  expect(abc.members).toEqual(['pod-a', 'pod-b', 'pod-c']);
  expect(viewOf(['pod-b', 'pod-a', 'pod-c', 'pod-a']).hash).toBe(abc.hash);
  expect(abc.hash).toMatch(/^[0-9a-f]{16}$/);
  expect(abcd.hash).not.toBe(abc.hash);
});

test('settled on one view: owns exactly the keys it wins there', () => {
  const ownership = new Ownership('pod-a', abc, [abc]);
  expect(ownership.settled).toBe(true);
  for (const key of keys) expect(ownership.owns(key)).toBe(rendezvousOwner(key, abc.members) === 'pod-a');
});

test('between views: owns only the keys it wins in every view held, so it takes nothing up early', () => {
  const ownership = new Ownership('pod-a', abcd, [abc, abcd]);
  expect(ownership.settled).toBe(false);
  const owned = keys.filter((key) => ownership.owns(key));
  expect(owned.length).toBeGreaterThan(0);
  for (const key of keys) {
    const both =
      rendezvousOwner(key, abc.members) === 'pod-a' && rendezvousOwner(key, abcd.members) === 'pod-a';
    expect(ownership.owns(key)).toBe(both);
  }
  // pod-d, newly in: wins nothing until it settles.
  expect(keys.some((key) => new Ownership('pod-d', abcd, [abc, abcd]).owns(key))).toBe(false);
});

test('holding no view (before the first settle, or fenced): owns nothing', () => {
  const none = Ownership.none('pod-a', abc);
  expect(none.empty).toBe(true);
  expect(none.settled).toBe(false);
  expect(keys.some((key) => none.owns(key))).toBe(false);
});
