import { isReconcileRequestPending } from './reconcile-request.ts';

describe('isReconcileRequestPending', () => {
  it.each([
    { name: 'no annotation', input: { requestedAt: undefined, handled: undefined }, want: false },
    { name: 'new request', input: { requestedAt: '2025-03-01T10:00:00Z', handled: undefined }, want: true },
    {
      name: 'handled',
      input: { requestedAt: '2025-03-01T10:00:00Z', handled: '2025-03-01T10:00:00Z' },
      want: false,
    },
    { name: 'another request', input: { requestedAt: 'b', handled: 'a' }, want: true },
    {
      name: 'long value, echoed cut',
      input: { requestedAt: 'x'.repeat(300), handled: `${'x'.repeat(253)}...` },
      want: false,
    },
  ])('$name', ({ input, want }) => {
    const status = input.handled === undefined ? {} : { lastHandledReconcileAt: input.handled };
    expect(isReconcileRequestPending(input.requestedAt, status)).toBe(want);
  });
});
