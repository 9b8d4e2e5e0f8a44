import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import alibabaCredentials from '@alicloud/credentials';
import { adviceFor, cancelledError, PaiflowError } from './errors.ts';

const REDACTED = '[REDACTED]';
const OPERATION = 'GetCredentials';

/**
 * An AccessKey pair, optionally with an STS security token. The secret and the token are kept in
 * private fields: spreading, `JSON.stringify`, `String()` and `util.inspect` show `[REDACTED]`
 * instead, so a credentials object that ends up in a log line leaks nothing but the key ID.
 */
export class AccessCredentials {
  readonly accessKeyId: string;
  readonly #accessKeySecret: string;
  readonly #securityToken: string | undefined;

  constructor(values: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined }) {
    this.accessKeyId = values.accessKeyId;
    this.#accessKeySecret = values.accessKeySecret;
    this.#securityToken = values.securityToken;
  }

  get accessKeySecret(): string {
    return this.#accessKeySecret;
  }

  /** Present for STS credentials (RRSA, ECS RAM role, a Secret with `securityToken`). */
  get securityToken(): string | undefined {
    return this.#securityToken;
  }

  toJSON(): Record<string, string> {
    return {
      accessKeyId: this.accessKeyId,
      accessKeySecret: REDACTED,
      ...(this.#securityToken === undefined ? {} : { securityToken: REDACTED }),
    };
  }

  toString(): string {
    return `AccessCredentials ${JSON.stringify(this.toJSON())}`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Where the client gets credentials, once per request attempt (so rotated or refreshed credentials
 * are picked up).
 */
export interface CredentialsProvider {
  /**
   * Names the credentials themselves, not the account: requests are shared (single-flight), rate
   * limited and grouped into batches only between equal identities. Two providers may share one only
   * if a request signed by either is answered alike, so it must cover everything that signs (key ID,
   * secret, token), never the key ID alone: a namespace that knows another's key ID must get
   * nothing of its answers nor spoil its quota. Not a secret, but never logged either.
   */
  readonly identity: string;
  /** Rejects with a PaiflowError (reason `CredentialsNotFound`, or `Cancelled` on abort). */
  getCredentials(signal?: AbortSignal): Promise<AccessCredentials>;
  /**
   * Forgets what it holds, so the next getCredentials fetches afresh: called when PAIFlow said the
   * STS token expired before the provider thought it would (clock skew, a revoked session).
   */
  refresh?(): void;
}

function credentialsError(message: string): PaiflowError {
  return new PaiflowError({
    message: `${message}: ${adviceFor('CredentialsNotFound', OPERATION)}`,
    code: 'CredentialsNotFound',
    operation: OPERATION,
    kind: 'permanent',
    reason: 'CredentialsNotFound',
  });
}

/**
 * Fixed credentials, typically the `accessKeyId`, `accessKeySecret` and optional `securityToken` keys of
 * a Kubernetes Secret. Values are trimmed (a Secret made with `echo` carries a newline); an empty
 * key ID or secret throws a PaiflowError (reason `CredentialsNotFound`) naming the missing key.
 */
export class StaticCredentialsProvider implements CredentialsProvider {
  readonly identity: string;
  readonly #credentials: AccessCredentials;

  constructor(values: {
    accessKeyId?: string | undefined;
    accessKeySecret?: string | undefined;
    securityToken?: string | undefined;
  }) {
    const accessKeyId = values.accessKeyId?.trim() ?? '';
    const accessKeySecret = values.accessKeySecret?.trim() ?? '';
    const securityToken = values.securityToken?.trim() ?? '';
    for (const [key, value] of [
      ['accessKeyId', accessKeyId],
      ['accessKeySecret', accessKeySecret],
    ] as const) {
      if (value === '') throw credentialsError(`missing ${key}: expected a non-empty ${key}`);
    }
    this.#credentials = new AccessCredentials({
      accessKeyId,
      accessKeySecret,
      securityToken: securityToken === '' ? undefined : securityToken,
    });
    this.identity = credentialIdentity(this.#credentials);
  }

  getCredentials(signal?: AbortSignal): Promise<AccessCredentials> {
    if (signal?.aborted === true) return Promise.reject(cancelledError(OPERATION, signal.reason));
    return Promise.resolve(this.#credentials);
  }
}

/**
 * The key of credential identities, random per process: an identity shows nothing of the
 * credentials to anyone who sees it (a heap dump, a debug log), and cannot be precomputed for a
 * guessed secret. Equal only within one process, which is all the gateway and the observer need.
 */
const IDENTITY_KEY = randomBytes(32);

/** A keyed hash (HMAC-SHA256) of the key ID, the secret and the token: see CredentialsProvider.identity. */
export function credentialIdentity(credentials: AccessCredentials): string {
  const parts = [credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken ?? ''];
  const mac = createHmac('sha256', IDENTITY_KEY).update(JSON.stringify(parts)).digest('base64url');
  return `credentials:${mac.slice(0, 22)}`;
}

interface ChainCredential {
  getCredential(): Promise<{ accessKeyId?: string; accessKeySecret?: string; securityToken?: string }>;
}

/**
 * The default credential chain of `@alicloud/credentials` (environment variables, RRSA/OIDC, CLI
 * profile, credentials file, ECS RAM role, credentials URI), which also refreshes STS sessions.
 *
 * The chain is built on first use, not in the constructor. After a failure it is rebuilt on the next
 * call: the library's chain otherwise keeps asking only the provider it tried last. The library's
 * own messages are not passed on, because some of them quote what they read (a config file's
 * content, an STS response).
 */
export class DefaultChainCredentialsProvider implements CredentialsProvider {
  readonly identity = 'default-chain';
  #chain: ChainCredential | undefined;

  /** Rebuilds the chain on the next call: a new chain asks STS (or re-reads the token file) anew. */
  refresh(): void {
    this.#chain = undefined;
  }

  async getCredentials(signal?: AbortSignal): Promise<AccessCredentials> {
    if (signal?.aborted === true) throw cancelledError(OPERATION, signal.reason);
    let model: Awaited<ReturnType<ChainCredential['getCredential']>>;
    try {
      this.#chain ??= new alibabaCredentials.default();
      model = await raceAbort(this.#chain.getCredential(), signal);
    } catch (err) {
      this.#chain = undefined;
      if (err instanceof PaiflowError && err.reason === 'Cancelled') throw err;
      throw credentialsError('no Alibaba Cloud credentials found by the default credential chain');
    }
    const accessKeyId = model.accessKeyId?.trim() ?? '';
    const accessKeySecret = model.accessKeySecret?.trim() ?? '';
    if (accessKeyId === '' || accessKeySecret === '') {
      this.#chain = undefined;
      throw credentialsError('the default credential chain returned an incomplete AccessKey pair');
    }
    const securityToken = model.securityToken?.trim() ?? '';
    return new AccessCredentials({
      accessKeyId,
      accessKeySecret,
      securityToken: securityToken === '' ? undefined : securityToken,
    });
  }
}

/** The library takes no AbortSignal: stop waiting for it on abort (it finishes in the background). */
async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(cancelledError(OPERATION, signal.reason));
    };
  });
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
