// A throwaway self-signed certificate for 127.0.0.1 and localhost, made by the real openssl, for
// tests of CA bundles (--cert / TWINE_CERT) against a local https index.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM key and certificate written to `dir` (cert.pem is also the CA bundle that trusts it). */
export interface TestCert {
  key: Buffer;
  cert: Buffer;
  certPath: string;
  keyPath: string;
}

/** Creates a P-256 self-signed certificate valid for a day for IP 127.0.0.1 and DNS localhost. */
export function makeTestCert(dir: string): TestCert {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=distsum test index',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'pipe' },
  );
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath, keyPath };
}
