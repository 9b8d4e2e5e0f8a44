import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

export interface SelfSignedOptions {
  /** Names and IP addresses the certificate is valid for (subjectAltName); the first is the CN. */
  hosts: readonly string[];
  /** Validity, from one minute before now (clock skew). @default one year, as controller-runtime's */
  validForMs?: number;
  now?: Date;
}

const YEAR_MS = 365 * 24 * 60 * 60_000;
const ALGORITHM: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = {
  name: 'ECDSA',
  namedCurve: 'P-256',
  hash: 'SHA-256',
};

/**
 * A fresh P-256 key and a self-signed serving certificate for `hosts`, made in memory (node:crypto
 * makes keys but not certificates; @peculiar/x509 does it over WebCrypto). What controller-runtime
 * does when its metrics server is given no certificate: clients then either skip verification or
 * trust this certificate by other means.
 */
export async function selfSignedCertificate(options: SelfSignedOptions): Promise<CertificateAndKey> {
  const [first] = options.hosts;
  if (first === undefined) throw new Error('expected at least one host name for the certificate, got none');
  const now = options.now ?? new Date();
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${first.replace(/[,+"\\<>;=]/g, '_')}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (options.validForMs ?? YEAR_MS)),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        options.hosts.map((host) => ({ type: isIP(host) === 0 ? 'dns' : 'ip', value: host })),
      ),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    cert: certificate.toString('pem'),
    key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}
