import { MinHeap } from './min-heap.ts';

/** Pushes `input`, then pops everything. */
function drain(input: number[]): number[] {
  const heap = new MinHeap<number>((a, b) => a < b);
  for (const n of input) heap.push(n);
  const out: number[] = [];
  for (let n = heap.pop(); n !== undefined; n = heap.pop()) out.push(n);
  return out;
}

describe('MinHeap', () => {
  test.each([
    { name: 'empty', input: [], want: [] },
    { name: 'one', input: [7], want: [7] },
    { name: 'reversed', input: [5, 4, 3, 2, 1], want: [1, 2, 3, 4, 5] },
    { name: 'duplicates', input: [2, 1, 2, 1, 3], want: [1, 1, 2, 2, 3] },
    { name: 'shuffled', input: [8, 3, 9, 1, 7, 2, 6, 0, 5, 4], want: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
  ])('pops in order: $name', ({ input, want }) => {
    expect(drain(input)).toEqual(want);
  });

  test('pops in order when pushes and pops interleave, and reset replaces the contents', () => {
    const heap = new MinHeap<number>((a, b) => a < b);
    const seen: (number | undefined)[] = [];
    for (const n of [5, 3, 8]) heap.push(n);
    seen.push(heap.pop());
    heap.push(1);
    seen.push(heap.pop(), heap.peek());
    expect(seen).toEqual([3, 1, 5]);
    heap.reset([9, 4]);
    expect([heap.size, heap.pop(), heap.pop(), heap.pop(), heap.size]).toEqual([2, 4, 9, undefined, 0]);
  });
});
