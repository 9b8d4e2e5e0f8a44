import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The certificates of a throwaway control plane, made with the openssl CLI (node:crypto makes keys,
 * not X.509 certificates): one CA that signs the API server's serving certificate and every client
 * certificate, so one `--client-ca-file` trusts them all. Keys are P-256, quick to generate.
 * Certificates live one day: a test server never outlives that.
 */

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** The ServiceAccount token signing key pair. */
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

export interface ClientCertificate {
  cert: string;
  key: string;
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];

/** Creates the CA, the serving certificate for 127.0.0.1/localhost and the ServiceAccount keys in `dir`. */
export async function createPki(dir: string): Promise<Pki> {
  const pki: Pki = {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPublicKey: join(dir, 'sa.pub'),
  };
  await run('openssl', [
    'req', '-x509', ...KEY, '-keyout', pki.caKey, '-out', pki.caCert, '-subj', '/CN=paiflow-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  await sign(pki, pki.serverCert, pki.serverKey, '/CN=kube-apiserver', [
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc',
  ]);
  const serviceAccount = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(pki.serviceAccountKey, serviceAccount.privateKey, { mode: 0o600 });
  writeFileSync(pki.serviceAccountPublicKey, serviceAccount.publicKey);
  return pki;
}

/**
 * A client certificate for user `name` in `groups` (`system:masters` makes an admin that RBAC never
 * checks), signed by the CA in `pkiDir`. Returns the PEM texts.
 */
export async function issueClientCertificate(
  pkiDir: string,
  name: string,
  groups: readonly string[],
): Promise<ClientCertificate> {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  const cert = join(pkiDir, `client-${safe}.crt`);
  const key = join(pkiDir, `client-${safe}.key`);
  const subject = [...groups.map((g) => `/O=${escapeRdn(g)}`), `/CN=${escapeRdn(name)}`].join('');
  await sign({ caCert: join(pkiDir, 'ca.crt'), caKey: join(pkiDir, 'ca.key') }, cert, key, subject, [
    'extendedKeyUsage=clientAuth',
  ]);
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

async function sign(
  ca: Pick<Pki, 'caCert' | 'caKey'>,
  cert: string,
  key: string,
  subject: string,
  extensions: string[],
): Promise<void> {
  await run('openssl', [
    'req', '-x509', ...KEY, '-CA', ca.caCert, '-CAkey', ca.caKey, '-keyout', key, '-out', cert,
    '-subj', subject, '-addext', 'basicConstraints=critical,CA:FALSE',
    ...extensions.flatMap((e) => ['-addext', e]),
  ]); // prettier-ignore
}

/** openssl -subj separates RDNs with `/` and attributes with `+`: a name containing them is escaped. */
function escapeRdn(value: string): string {
  return value.replace(/[\\/+=]/g, (c) => `\\${c}`);
}
