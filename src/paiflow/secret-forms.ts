import { parseAuthorization, percentEncode } from './signing.ts';

/**
 * Every form in which a secret may come back in text a server echoes: as it is, percent-encoded
 * (RFC 3986 as we sign, and `encodeURIComponent`'s), base64 (standard and URL-safe) and JSON-escaped.
 * Scrubbing only the raw value let a share token through in the request line a server quoted.
 */
export function secretForms(secret: string | undefined): string[] {
  if (secret === undefined || secret === '') return [];
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const forms = [
    secret,
    percentEncode(secret),
    encodeURIComponent(secret),
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
    JSON.stringify(secret).slice(1, -1),
  ];
  // Longest first: a shorter form inside a longer one must not leave the rest of the longer behind.
  return [...new Set(forms)].filter((form) => form.length > 0).sort((a, b) => b.length - a.length);
}

/** What to scrub for a signed request: its Authorization header and, on its own, the signature hex. */
export function authorizationForms(authorization: string): string[] {
  const signature = parseAuthorization(authorization)?.signature;
  return signature === undefined ? [authorization] : [authorization, signature];
}
