import fc from 'fast-check';
import { propertyRuns } from '../../test/support/property-runs.ts';
import { MAX_SERVER_DELAY_MS } from '../util/delays.ts';
import { PaiflowError } from './errors.ts';
import { errorObject, hugeString, responseText } from './pai-arbitraries.test-helper.ts';
import { errorFromResponse } from './response-error.ts';

const SECRET = 'SeCrEt-0123456789abcdef';
const OPERATION = 'ListPipelineRunNodeStatus';

/** Every piece of server text is capped (code, message, request ID: 300 each), the rest is ours. */
const MAX_MESSAGE = 1400;

const headerValue = fc.oneof(
  fc.nat({ max: 100_000 }).map(String),
  fc.constantFrom('0', '-5', '1.5', ' 42 ', 'soon', '', 'Mon, 01 Jan 2024 00:00:05 GMT'),
  fc.string({ maxLength: 20 }),
);
const headers = fc.dictionary(
  fc.constantFrom(
    'x-acs-retry-after',
    'X-Acs-Retry-After',
    'retry-after',
    'x-acs-request-id',
    'content-type',
    'via',
  ),
  fc.oneof(headerValue, fc.array(headerValue, { maxLength: 2 })),
  { maxKeys: 4 },
);
const httpStatus = fc.oneof(
  fc.constantFrom(200, 302, 400, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504),
  fc.integer({ min: 100, max: 599 }),
);
const body = fc.oneof(
  responseText,
  hugeString,
  // Server text that echoes what it should not.
  errorObject.map((o) => JSON.stringify({ ...o, Message: `string to sign: TokenId=${SECRET}` })),
  fc.string().map((text) => `<html><body><pre>${text} ${SECRET}</pre></body></html>`),
);

describe('the error classifier, given anything', () => {
  test('a bounded, scrubbed PaiflowError whose kind follows the rules', () => {
    fc.assert(
      fc.property(httpStatus, headers, body, (status, headerMap, text) => {
        const err = errorFromResponse({
          operation: OPERATION,
          httpStatus: status,
          body: text,
          headers: headerMap,
          nowMs: Date.UTC(2024, 0, 1),
          secrets: [SECRET],
        });
        expect(err).toBeInstanceOf(PaiflowError);
        expect(err.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
        expect(`${err.message} ${JSON.stringify(err)}`).not.toContain(SECRET);
        expect(err.code).not.toBe('');
        expect(err.httpStatus).toBe(status);
        if (err.retryAfterMs !== undefined) expect(err.retryAfterMs).toBeGreaterThanOrEqual(0);
        // Whatever the code: a positive x-acs-retry-after on a 4xx/5xx is throttling.
        const acs = headerMap['x-acs-retry-after'];
        const acsText = (Array.isArray(acs) ? acs[0] : acs)?.trim() ?? '';
        if (status >= 400 && /^\d+(\.\d+)?$/.test(acsText) && Number(acsText) > 0) {
          expect(err.kind).toBe('throttled');
          // Held to a minute, whatever the server asks (src/util/delays.ts).
          expect(err.retryAfterMs).toBe(Math.min(MAX_SERVER_DELAY_MS, Math.ceil(Number(acsText))));
        }
      }),
      propertyRuns(),
    );
  });

  test('an unknown code is kept visible, transient at 5xx and permanent at 4xx', () => {
    const unknownCode = fc
      .stringMatching(/^[A-Za-z][A-Za-z0-9]{0,20}(\.[A-Za-z][A-Za-z0-9]{0,20})?$/)
      .map((code) => `Zz${code}`);
    const status = fc.oneof(
      fc.integer({ min: 400, max: 599 }).filter((s) => ![401, 403, 404, 408, 429].includes(s)),
    );
    fc.assert(
      fc.property(unknownCode, status, fc.boolean(), (code, httpStatus, lowerCase) => {
        const err = errorFromResponse({
          operation: OPERATION,
          httpStatus,
          body: JSON.stringify(lowerCase ? { code } : { Code: code }),
          headers: {},
          nowMs: 0,
          secrets: [],
        });
        expect(err.code).toBe(code);
        expect(err.message).toContain(code);
        expect(err.kind).toBe(httpStatus >= 500 ? 'transient' : 'permanent');
      }),
      propertyRuns(),
    );
  });
});
