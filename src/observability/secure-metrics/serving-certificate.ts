import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ServingTls } from '../health-server.ts';

/** PEM files of a serving certificate (chain) and its key, e.g. mounted from a cert-manager Secret. */
export interface ServingCertificateFiles {
  certFile: string;
  keyFile: string;
}

/**
 * The certificate `/metrics` is served with: the files' contents when given (read once, at start),
 * otherwise a fresh self-signed certificate for localhost, 127.0.0.1 and this host's name, as
 * controller-runtime's metrics server does without a certificate directory. A self-signed one
 * changes at every start: scrapers skip verification (`insecureSkipVerify`) or use files whose CA
 * they trust. Throws an Error naming the file when one cannot be read.
 */
export async function servingCertificate(
  files: ServingCertificateFiles | undefined,
): Promise<ServingTls & { selfSigned: boolean }> {
  if (files !== undefined) {
    const [cert, key] = await Promise.all([readPem(files.certFile), readPem(files.keyFile)]);
    return { cert, key, selfSigned: false };
  }
  // Loaded only when needed: @peculiar/x509 is sizeable and plain-HTTP runs never use it.
  const { selfSignedCertificate } = await import('../../util/self-signed-certificate.ts');
  const generated = await selfSignedCertificate({ hosts: ['localhost', '127.0.0.1', hostname()] });
  return { ...generated, selfSigned: true };
}

async function readPem(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`cannot read the metrics certificate file ${file} (${reason})`, { cause: error });
  }
}
