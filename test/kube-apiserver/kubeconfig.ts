import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** One identity on one server, as a kubeconfig with everything inline (no paths into the data folder). */
export interface Identity {
  server: string;
  caPem: string;
  user: string;
  /** A client certificate... */
  certPem?: string;
  keyPem?: string;
  /** ...or a bearer token. */
  token?: string;
}

const base64 = (text: string): string => Buffer.from(text).toString('base64');

export function kubeConfigFor(identity: Identity): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: 'test', server: identity.server, caData: base64(identity.caPem), skipTLSVerify: false },
    ],
    users: [
      {
        name: identity.user,
        ...(identity.certPem && { certData: base64(identity.certPem) }),
        ...(identity.keyPem && { keyData: base64(identity.keyPem) }),
        ...(identity.token && { token: identity.token }),
      },
    ],
    contexts: [{ name: identity.user, cluster: 'test', user: identity.user }],
    currentContext: identity.user,
  });
  return kubeConfig;
}

/** Writes the kubeconfig of `identity` to `path` (mode 0600: it holds a key or a token). */
export function writeKubeconfig(path: string, identity: Identity): void {
  mkdirSync(dirname(path), { recursive: true });
  const exported = JSON.parse(kubeConfigFor(identity).exportConfig()) as Record<string, unknown>;
  writeFileSync(path, stringify(exported), { mode: 0o600 });
}
