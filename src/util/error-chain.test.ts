import { errorChain } from './error-chain.ts';

function withCode(message: string, code: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code });
}

test.each([
  {
    name: "undici's fetch failure shows the socket error beneath it",
    input: new TypeError('fetch failed', {
      cause: withCode('connect ECONNREFUSED 10.0.0.1:443', 'ECONNREFUSED'),
    }),
    want: 'fetch failed: connect ECONNREFUSED 10.0.0.1:443',
  },
  {
    name: 'a code the message does not name is added',
    input: new Error('request failed', {
      cause: withCode('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
    }),
    want: 'request failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
  },
  {
    name: 'a cause repeating its parent is left out',
    input: new Error('request to https://x failed, reason: getaddrinfo ENOTFOUND x', {
      cause: withCode('getaddrinfo ENOTFOUND x', 'ENOTFOUND'),
    }),
    want: 'request to https://x failed, reason: getaddrinfo ENOTFOUND x',
  },
  {
    name: 'an error without a message shows its code',
    input: withCode('', 'ECONNRESET'),
    want: 'ECONNRESET',
  },
  { name: 'a thrown string', input: 'boom', want: 'boom' },
  { name: 'only the first line of a message', input: new Error('first\nsecond'), want: 'first' },
])('$name', ({ input, want }) => {
  expect(errorChain(input)).toBe(want);
});

test('a cyclic chain ends', () => {
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  (a as { cause?: unknown }).cause = b;
  expect(errorChain(a)).toBe('a: b');
});
