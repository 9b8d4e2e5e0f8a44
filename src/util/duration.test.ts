import { parseDurationMs } from './duration.ts';

test.each([
  { input: '500ms', want: 500 },
  { input: '30s', want: 30_000 },
  { input: '2m', want: 120_000 },
  { input: '1h30m', want: 5_400_000 },
  { input: '1.5s', want: 1500 },
  { input: '0s', want: 0 },
  { input: '', want: undefined },
  { input: '30', want: undefined },
  { input: '-1s', want: undefined },
  { input: '1d', want: undefined },
  { input: ' 30s', want: undefined },
])('parseDurationMs($input) = $want', ({ input, want }) => {
  expect(parseDurationMs(input)).toBe(want);
});
