import fc from 'fast-check';
import { propertyRuns } from '../../../test/support/property-runs.ts';
import { rendezvousOwner } from './rendezvous.ts';

const keys = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `flow-${i.toString(36)}x${i * 7919}`);
const pods = [
  'paiflow-controller-7d9c5b6f4-2xkqz',
  'paiflow-controller-7d9c5b6f4-8hjwn',
  'paiflow-controller-7d9c5b6f4-lq4tr',
];
const fourth = 'paiflow-controller-7d9c5b6f4-zr7mp';

function shares(all: readonly string[], members: readonly string[]): Map<string, number> {
  const counts = new Map(members.map((m) => [m, 0]));
  for (const key of all) {
    const owner = rendezvousOwner(key, members)!;
    counts.set(owner, counts.get(owner)! + 1);
  }
  return counts;
}

test('600 keys over 3 members: each owns 200 +- 25 %; a 4th member moves <= 35 %, all of them to itself', () => {
  const all = keys(600);
  const counts = shares(all, pods);
  for (const count of counts.values()) expect(Math.abs(count - 200)).toBeLessThanOrEqual(50);
  const withFourth = [...pods, fourth];
  const movedKeys = all.filter((key) => rendezvousOwner(key, pods) !== rendezvousOwner(key, withFourth));
  expect(movedKeys.length / all.length).toBeLessThanOrEqual(0.35);
  for (const key of movedKeys) expect(rendezvousOwner(key, withFourth)).toBe(fourth);
  console.log(
    `rendezvous: 600 keys over 3 members: ${[...counts.values()].join(', ')}; a 4th moves ${movedKeys.length} (${((100 * movedKeys.length) / 600).toFixed(1)} %)`,
  );
});

test('the owner depends on the member set, not on its order, and there is none without members', () => {
  for (const key of keys(50)) {
    expect(rendezvousOwner(key, pods)).toBe(rendezvousOwner(key, [...pods].reverse()));
  }
  expect(rendezvousOwner('flow-1', [])).toBeUndefined();
});

test('balance within +-25 % for other member names too (30 name sets drawn with a fixed seed)', () => {
  // A statistical figure, not a property of every input: the sample is fixed so the test is too.
  const all = keys(600);
  const names = fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), {
    minLength: 3,
    maxLength: 3,
  });
  for (const members of fc.sample(names, { seed: 14, numRuns: 30 })) {
    for (const count of shares(all, members).values()) expect(Math.abs(count - 200)).toBeLessThanOrEqual(50);
  }
});

test('property: a member leaving moves only its own keys; one joining takes keys only for itself', () => {
  const all = keys(100);
  const names = fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), {
    minLength: 2,
    maxLength: 6,
  });
  fc.assert(
    fc.property(names, fc.string({ minLength: 1 }), (members, newcomer) => {
      fc.pre(!members.includes(newcomer));
      const [gone, ...rest] = members;
      for (const key of all) {
        const before = rendezvousOwner(key, members);
        if (before !== gone) expect(rendezvousOwner(key, rest)).toBe(before);
        const after = rendezvousOwner(key, [...members, newcomer]);
        if (after !== newcomer) expect(after).toBe(before);
      }
    }),
    propertyRuns({ numRuns: 200 }),
  );
});
