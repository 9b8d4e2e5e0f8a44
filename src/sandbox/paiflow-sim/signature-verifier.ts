import type { IncomingHttpHeaders } from 'node:http';
import {
  canonicalQueryString,
  parseAuthorization,
  percentEncode,
  sha256Hex,
  signatureOf,
  signaturesEqual,
  stringToSign,
} from '../../paiflow/signing.ts';
import { apiErrors } from './api-error.ts';

/** An access key the simulator accepts. With a securityToken it is an STS key. */
export interface AccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** The Alibaba Cloud account the key belongs to (throttling is per account); default: the key id. */
  account?: string;
}

/** A request as it arrived: the signature is recomputed from exactly this. */
export interface ArrivedRequest {
  method: string;
  /** Path segments, percent-decoded (the router's view). */
  pathSegments: string[];
  /** The raw query string, without `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SignatureVerifierOptions {
  accessKeys: readonly AccessKey[];
  /** Wall clock, epoch milliseconds (x-acs-date and nonces are checked against it, never scenario time). */
  now: () => number;
  /** Allowed skew of x-acs-date and how long a nonce is remembered. Default 15 minutes. */
  windowMs?: number;
  /** Nonces remembered per key at most (oldest forgotten first). Default 100 000. */
  maxNoncesPerKey?: number;
}

/** Signed headers every request must carry and sign (paiflow-api.md §5). */
const REQUIRED_SIGNED = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
];
const ACS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Verifies Alibaba Cloud V3 (ACS3-HMAC-SHA256) signatures, rejecting in this order with the code a
 * client would get from the real gateway:
 * 1. Authorization missing or malformed, a required header absent or unsigned → `IncompleteSignature` 400;
 * 2. unknown AccessKeyId → `InvalidAccessKeyId.NotFound` 404;
 * 3. x-acs-date missing or malformed → `InvalidTimeStamp.Format` 400; more than 15 minutes from the
 *    wall clock → `InvalidTimeStamp.Expired` 400;
 * 4. STS key without x-acs-security-token → `MissingSecurityToken` 400; token present but unsigned →
 *    `IncompleteSignature`; wrong token (or a token sent with a long-term key) →
 *    `InvalidSecurityToken.MismatchWithAccessKey` 400;
 * 5. a header listed in SignedHeaders absent → `IncompleteSignature`; x-acs-content-sha256 not the body's
 *    SHA-256, or signature mismatch → `SignatureDoesNotMatch` 400
 *    (the message carries the server's string to sign, as Alibaba's does);
 * 6. a nonce already seen for this key within the window → `SignatureNonceUsed` 400 (checked last, so
 *    that unauthenticated requests cannot burn nonces).
 * Any extra header the client chose to sign (content-type, other x-acs-*, even others) is accepted as
 * long as it is present, as a V3 signer may sign more than the minimum.
 */
export class SignatureVerifier {
  readonly #keys: ReadonlyMap<string, AccessKey>;
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #maxNonces: number;
  /** Per key: nonce → forget-after time; insertion order is arrival order. */
  readonly #nonces = new Map<string, Map<string, number>>();
  /** STS keys whose token has expired (tests make it happen on demand). */
  readonly #expired = new Set<string>();

  constructor(options: SignatureVerifierOptions) {
    this.#keys = new Map(options.accessKeys.map((k) => [k.accessKeyId, k]));
    this.#now = options.now;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#maxNonces = options.maxNoncesPerKey ?? 100_000;
  }

  /** The AccessKeyId named by the request's Authorization header, if it parses (for request counts). */
  static presentedKeyId(headers: IncomingHttpHeaders): string | undefined {
    return parseAuthorization(header(headers, 'authorization'))?.accessKeyId;
  }

  /**
   * From now on, requests signed with this STS key are refused with `InvalidSecurityToken.Expired`,
   * as Alibaba refuses a token past its expiry. Throws RangeError for an unknown key or one without a
   * security token.
   */
  expireSecurityToken(accessKeyId: string): void {
    if (this.#keys.get(accessKeyId)?.securityToken === undefined) {
      throw new RangeError(`no STS access key "${accessKeyId}" (a key with a security token)`);
    }
    this.#expired.add(accessKeyId);
  }

  /** Returns the key that signed the request, or throws an ApiError. */
  verify(request: ArrivedRequest): AccessKey {
    const { headers } = request;
    const rawAuthorization = header(headers, 'authorization');
    if (rawAuthorization === undefined)
      throw apiErrors.incompleteSignature('the Authorization header is missing.');
    const auth = parseAuthorization(rawAuthorization);
    if (!auth) {
      throw apiErrors.incompleteSignature(
        'expected Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<names>,Signature=<hex>.',
      );
    }
    const signed = auth.signedHeaders;
    for (const name of REQUIRED_SIGNED) {
      if (name === 'x-acs-date') continue; // its absence has its own code below
      if (header(headers, name) === undefined)
        throw apiErrors.incompleteSignature(`the ${name} header is missing.`);
      if (!signed.includes(name))
        throw apiErrors.incompleteSignature(`the ${name} header must be signed (SignedHeaders).`);
    }
    const key = this.#keys.get(auth.accessKeyId);
    if (!key) throw apiErrors.accessKeyNotFound();

    const date = header(headers, 'x-acs-date');
    const dateMs = date !== undefined && ACS_DATE.test(date) ? Date.parse(date) : NaN;
    if (date === undefined || Number.isNaN(dateMs)) throw apiErrors.timestampFormat(date);
    if (!signed.includes('x-acs-date'))
      throw apiErrors.incompleteSignature('the x-acs-date header must be signed (SignedHeaders).');
    if (Math.abs(this.#now() - dateMs) > this.#windowMs) throw apiErrors.timestampExpired(date);

    const token = header(headers, 'x-acs-security-token');
    if (key.securityToken !== undefined && token === undefined) throw apiErrors.securityTokenMissing();
    if (token !== undefined && !signed.includes('x-acs-security-token')) {
      throw apiErrors.incompleteSignature('the x-acs-security-token header must be signed (SignedHeaders).');
    }
    if (token !== undefined && token !== key.securityToken) throw apiErrors.securityTokenMismatch();
    if (this.#expired.has(key.accessKeyId)) throw apiErrors.securityTokenExpired();

    for (const name of signed) {
      if (header(headers, name) === undefined)
        throw apiErrors.incompleteSignature(`signed header ${name} is absent.`);
    }
    const payloadHash = sha256Hex(request.body);
    if (header(headers, 'x-acs-content-sha256') !== payloadHash) {
      throw apiErrors.signatureMismatch(
        `x-acs-content-sha256 is not the SHA-256 of the body (${payloadHash}).`,
      );
    }
    const toSign = stringToSign(this.#canonicalRequest(request, signed, payloadHash));
    if (!signaturesEqual(signatureOf(key.accessKeySecret, toSign), auth.signature)) {
      throw apiErrors.signatureMismatch(`server string to sign is: ${toSign}`);
    }

    this.#rememberNonce(key.accessKeyId, header(headers, 'x-acs-signature-nonce') ?? '');
    return key;
  }

  /**
   * The canonical request rebuilt from what arrived: the decoded path re-encoded per segment, the
   * decoded query re-encoded, and the signed headers in the order the client listed them.
   */
  #canonicalRequest(request: ArrivedRequest, signed: readonly string[], payloadHash: string): string {
    const query = Object.fromEntries(new URLSearchParams(request.rawQuery));
    return [
      request.method.toUpperCase(),
      request.pathSegments.map((s) => percentEncode(s)).join('/'),
      canonicalQueryString(query),
      signed.map((name) => `${name}:${(header(request.headers, name) ?? '').trim()}\n`).join(''),
      signed.join(';'),
      payloadHash,
    ].join('\n');
  }

  #rememberNonce(keyId: string, nonce: string): void {
    const now = this.#now();
    let seen = this.#nonces.get(keyId);
    if (!seen) {
      seen = new Map();
      this.#nonces.set(keyId, seen);
    }
    for (const [old, forgetAt] of seen) {
      if (forgetAt > now && seen.size < this.#maxNonces) break;
      seen.delete(old);
    }
    const forgetAt = seen.get(nonce);
    if (forgetAt !== undefined && forgetAt > now) throw apiErrors.nonceUsed();
    seen.delete(nonce); // re-inserted last, keeping arrival order for the pruning above
    seen.set(nonce, now + this.#windowMs);
  }
}
