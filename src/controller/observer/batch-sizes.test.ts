import { BatchSizes } from './batch-sizes.ts';

test('halves per endpoint down to 0 (per-node calls), once per refused size', () => {
  const sizes = new BatchSizes(100);
  expect(sizes.refused('https://a', 100)).toEqual({ from: 100, to: 50 });
  // A second batch of 100 refused concurrently does not halve again.
  expect(sizes.refused('https://a', 100)).toBeUndefined();
  expect(sizes.sizeFor('https://a')).toBe(50);
  expect(sizes.sizeFor('https://b')).toBe(100);
  const steps: number[] = [];
  for (let size = 50; size > 0; size = sizes.sizeFor('https://a'))
    steps.push(sizes.refused('https://a', size)!.to);
  expect(steps).toEqual([25, 12, 6, 3, 1, 0]);
  expect(sizes.refused('https://a', 1)).toBeUndefined();
});

test('an endpoint without the action goes to per-node calls at once', () => {
  const sizes = new BatchSizes(100);
  expect(sizes.refused('https://a', 100, true)).toEqual({ from: 100, to: 0 });
  expect(sizes.sizeFor('https://a')).toBe(0);
});

test('0 turns batching off; other sizes are refused', () => {
  expect(new BatchSizes(0).sizeFor('https://a')).toBe(0);
  expect(() => new BatchSizes(-1)).toThrow('expected the batch size to be an integer >= 0, got -1');
});
