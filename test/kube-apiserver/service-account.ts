import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/**
 * A ServiceAccount's identity on a test server: the namespace and ServiceAccount are created when
 * missing, and the token is one the API server itself issued (TokenRequest), so whoever holds it has
 * exactly what RBAC grants `system:serviceaccount:NAMESPACE:NAME`.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

/** Parses `NAMESPACE/NAME`; throws a message naming the option and the expected form. */
export function parseServiceAccount(text: string, option = '--service-account'): ServiceAccountRef {
  const [namespace, name, ...rest] = text.split('/');
  if (rest.length > 0 || !namespace || !name || !DNS_LABEL.test(namespace) || !DNS_SUBDOMAIN.test(name)) {
    throw new Error(
      `${option}: expected NAMESPACE/NAME with a DNS label namespace and a DNS subdomain name ` +
        `(e.g. paiflow-system/paiflow-controller), got '${text}'`,
    );
  }
  return { namespace, name };
}

/** Creates the namespace and ServiceAccount if missing, and asks the server for a token. */
export async function serviceAccountToken(
  admin: KubeConfig,
  account: ServiceAccountRef,
  expirationSeconds = 24 * 3600,
): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  await createIfMissing(() => core.createNamespace({ body: { metadata: { name: account.namespace } } }));
  await createIfMissing(() =>
    core.createNamespacedServiceAccount({
      namespace: account.namespace,
      body: { metadata: { name: account.name } },
    }),
  );
  const request = await core.createNamespacedServiceAccountToken({
    namespace: account.namespace,
    name: account.name,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ${account.namespace}/${account.name} returned no token`);
  return token;
}

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
  }
}
