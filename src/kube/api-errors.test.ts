import { ApiException } from '@kubernetes/client-node';
import { MAX_SERVER_DELAY_MS } from '../util/delays.ts';
import { kubeErrorInfo } from './api-errors.ts';

test.each([
  { retryAfter: '2', want: 2000 },
  { retryAfter: '99999999999', want: MAX_SERVER_DELAY_MS },
  { retryAfter: 'soon', want: undefined },
])('Retry-After $retryAfter: retryAfterMs $want', ({ retryAfter, want }) => {
  const error = new ApiException(429, 'Too Many Requests', '{"reason":"TooManyRequests"}', {
    'retry-after': retryAfter,
  });
  expect(kubeErrorInfo(error)).toMatchObject({ status: 429, reason: 'TooManyRequests', retryable: true });
  expect(kubeErrorInfo(error).retryAfterMs).toBe(want);
});
