import { inspect } from 'node:util';
import {
  AccessCredentials,
  DefaultChainCredentialsProvider,
  StaticCredentialsProvider,
} from './credentials.ts';
import { PaiflowError } from './errors.ts';

const SECRET = 'sk-DO-NOT-LEAK-1234567890';
const TOKEN = 'sts-DO-NOT-LEAK-abcdef';

describe('AccessCredentials', () => {
  const credentials = new AccessCredentials({
    accessKeyId: 'LTAI-id',
    accessKeySecret: SECRET,
    securityToken: TOKEN,
  });

  test('hands the values to whoever signs', () => {
    expect([credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken]).toEqual([
      'LTAI-id',
      SECRET,
      TOKEN,
    ]);
  });

  test.each([
    { name: 'String()', render: (c: AccessCredentials) => String(c), marked: true },
    { name: 'JSON.stringify', render: (c: AccessCredentials) => JSON.stringify(c), marked: true },
    { name: 'JSON.stringify nested', render: (c: AccessCredentials) => JSON.stringify({ c }), marked: true },
    { name: 'util.inspect', render: (c: AccessCredentials) => inspect(c), marked: true },
    {
      name: 'util.inspect nested, showHidden',
      render: (c: AccessCredentials) => inspect({ a: { c } }, { depth: 10, showHidden: true }),
      marked: true,
    },
    // The secret and token are private fields: a spread copies the key ID only.
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- losing the prototype is what is tested
    { name: 'spread', render: (c: AccessCredentials) => JSON.stringify({ ...c }), marked: false },
  ])('$name shows the key ID and never the secret or token', ({ render, marked }) => {
    const text = render(credentials);
    expect(text).toContain('LTAI-id');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
    expect(text.includes('[REDACTED]')).toBe(marked);
  });

  test('without a token, none is shown', () => {
    expect(new AccessCredentials({ accessKeyId: 'id', accessKeySecret: SECRET }).toJSON()).toEqual({
      accessKeyId: 'id',
      accessKeySecret: '[REDACTED]',
    });
  });
});

describe('StaticCredentialsProvider', () => {
  test('trims values', async () => {
    const provider = new StaticCredentialsProvider({
      accessKeyId: ' id\n',
      accessKeySecret: `${SECRET}\n`,
      securityToken: ` ${TOKEN} `,
    });
    const credentials = await provider.getCredentials();
    expect([credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken]).toEqual([
      'id',
      SECRET,
      TOKEN,
    ]);
  });

  test('the identity covers key ID, secret and token, and shows none of them', () => {
    const identity = (values: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) =>
      new StaticCredentialsProvider(values).identity;
    const base = { accessKeyId: 'LTAI-a', accessKeySecret: SECRET };
    expect(identity(base)).toBe(identity({ ...base, accessKeyId: ' LTAI-a\n' }));
    expect(identity(base)).toBe(identity({ ...base, securityToken: ' ' }));
    const others = [
      { ...base, accessKeySecret: 'junk' },
      { ...base, accessKeyId: 'LTAI-b' },
      { ...base, securityToken: TOKEN },
      { ...base, securityToken: `${TOKEN}x` },
      // The parts are delimited: moving characters between key ID and secret is another identity.
      { accessKeyId: 'LTAI-a' + SECRET.slice(0, 1), accessKeySecret: SECRET.slice(1) },
    ];
    const identities = new Set([base, ...others].map(identity));
    expect(identities.size).toBe(others.length + 1);
    for (const id of identities) {
      expect(id).toMatch(/^credentials:[\w-]{22}$/);
      expect(id).not.toContain('LTAI');
      expect(id).not.toContain(SECRET);
    }
  });

  test('an empty token means plain AccessKey credentials', async () => {
    const credentials = await new StaticCredentialsProvider({
      accessKeyId: 'id',
      accessKeySecret: SECRET,
      securityToken: '  ',
    }).getCredentials();
    expect(credentials.securityToken).toBeUndefined();
  });

  test.each([
    { name: 'missing key ID', values: { accessKeySecret: SECRET }, want: 'missing accessKeyId' },
    {
      name: 'blank key ID',
      values: { accessKeyId: ' \n', accessKeySecret: SECRET },
      want: 'missing accessKeyId',
    },
    { name: 'missing secret', values: { accessKeyId: 'id' }, want: 'missing accessKeySecret' },
    {
      name: 'empty secret',
      values: { accessKeyId: 'id', accessKeySecret: '' },
      want: 'missing accessKeySecret',
    },
  ])('$name: PaiflowError naming the key', ({ values, want }) => {
    let caught: unknown;
    try {
      new StaticCredentialsProvider(values);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PaiflowError);
    expect(caught).toMatchObject({ reason: 'CredentialsNotFound', kind: 'permanent' });
    expect((caught as Error).message).toContain(want);
    expect((caught as Error).message).not.toContain(SECRET);
  });

  test('an aborted signal rejects with Cancelled', async () => {
    const provider = new StaticCredentialsProvider({ accessKeyId: 'id', accessKeySecret: SECRET });
    await expect(provider.getCredentials(AbortSignal.abort())).rejects.toMatchObject({ reason: 'Cancelled' });
  });
});

describe('DefaultChainCredentialsProvider (reads the environment: the one test that sets env vars)', () => {
  const names = [
    'ALIBABA_CLOUD_ACCESS_KEY_ID',
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    'ALIBABA_CLOUD_SECURITY_TOKEN',
    'ALIBABA_CLOUD_ROLE_ARN',
    'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
    'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
    'ALIBABA_CLOUD_CREDENTIALS_URI',
    'ALIBABA_CLOUD_CREDENTIALS_FILE',
    'ALIBABA_CLOUD_PROFILE',
    'ALIBABA_CLOUD_CLI_PROFILE_DISABLED',
    'ALIBABA_CLOUD_ECS_METADATA_DISABLED',
  ];
  let saved: Record<string, string | undefined>;

  /** Sets exactly these variables among the chain's (the rest unset); everything else stays local. */
  function setEnv(values: Record<string, string>): void {
    for (const name of names) {
      if (name in values) process.env[name] = values[name];
      else Reflect.deleteProperty(process.env, name);
    }
  }

  // No chain step may reach outside the test: no CLI profile, no profile file, no instance metadata.
  const isolated = {
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_CREDENTIALS_FILE: '/nonexistent/paiflow-controller-test/credentials',
  };

  beforeEach(() => {
    saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  });

  afterEach(() => {
    for (const name of names) {
      const value = saved[name];
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  });

  test('the environment is read at first use, not at construction', async () => {
    setEnv(isolated);
    const provider = new DefaultChainCredentialsProvider();
    expect(provider.identity).toBe('default-chain');
    setEnv({ ...isolated, ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET });
    expect((await provider.getCredentials()).accessKeyId).toBe('env-id');
  });

  test('finds STS credentials in the environment', async () => {
    setEnv({
      ...isolated,
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
      ALIBABA_CLOUD_SECURITY_TOKEN: TOKEN,
    });
    const credentials = await new DefaultChainCredentialsProvider().getCredentials();
    expect([credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken]).toEqual([
      'env-id',
      SECRET,
      TOKEN,
    ]);
  });

  test('refresh(): the next call asks the chain afresh and sees a renewed STS token', async () => {
    const sts = (token: string) => ({
      ...isolated,
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
      ALIBABA_CLOUD_SECURITY_TOKEN: token,
    });
    setEnv(sts('token-1'));
    const provider = new DefaultChainCredentialsProvider();
    expect((await provider.getCredentials()).securityToken).toBe('token-1');
    setEnv(sts('token-2'));
    provider.refresh();
    expect((await provider.getCredentials()).securityToken).toBe('token-2');
  });

  test('nothing found: CredentialsNotFound, without the library message; found once set', async () => {
    // The profile step would quote a malformed file's content; make sure none of it comes through.
    setEnv(isolated);
    const provider = new DefaultChainCredentialsProvider();
    const err = await provider.getCredentials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaiflowError);
    expect(err).toMatchObject({
      reason: 'CredentialsNotFound',
      kind: 'permanent',
      code: 'CredentialsNotFound',
      operation: 'GetCredentials',
    });
    expect((err as Error).message).toMatch(
      /^no Alibaba Cloud credentials found by the default credential chain: provide credentials/,
    );
    expect((err as Error).cause).toBeUndefined();

    // The chain is rebuilt after a failure, so credentials that appear later are found.
    setEnv({ ...isolated, ALIBABA_CLOUD_ACCESS_KEY_ID: 'late-id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET });
    expect((await provider.getCredentials()).accessKeyId).toBe('late-id');
  });

  test('an aborted signal rejects with Cancelled', async () => {
    setEnv(isolated);
    await expect(
      new DefaultChainCredentialsProvider().getCredentials(AbortSignal.abort()),
    ).rejects.toMatchObject({ reason: 'Cancelled' });
  });
});
