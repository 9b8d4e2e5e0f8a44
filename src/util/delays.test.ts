import { MAX_SERVER_DELAY_MS, MAX_TIMER_MS, serverDelay, timerDelay } from './delays.ts';

test.each([
  { name: 'an ordinary delay', ms: 1500, timer: 1500, server: 1500 },
  { name: 'negative', ms: -5, timer: 0, server: 0 },
  { name: 'NaN', ms: Number.NaN, timer: 0, server: 0 },
  { name: 'just under a minute', ms: 59_999, timer: 59_999, server: 59_999 },
  {
    name: '99999999999 ms (about 3 years)',
    ms: 99_999_999_999,
    timer: MAX_TIMER_MS,
    server: MAX_SERVER_DELAY_MS,
  },
  { name: 'Infinity', ms: Number.POSITIVE_INFINITY, timer: MAX_TIMER_MS, server: MAX_SERVER_DELAY_MS },
])('$name', ({ ms, timer, server }) => {
  expect(timerDelay(ms)).toBe(timer);
  expect(serverDelay(ms)).toBe(server);
});
