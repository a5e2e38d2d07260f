/**
 * The emulator's TLS material: a throw-away certificate authority and a server certificate it signs for
 * `127.0.0.1` and `localhost`. The ARM SDK clients refuse bearer tokens over plain http, so the emulator must speak
 * https; clients trust it through `tlsOptions: { ca: caPem }` (or NODE_EXTRA_CA_CERTS pointing at the written CA).
 */
import { generate } from 'selfsigned';

export interface EmulatorCertificate {
  /** The CA certificate clients should trust (PEM). */
  caPem: string;
  /** The server certificate (PEM), signed by the CA, SAN `IP:127.0.0.1`, `DNS:localhost`. */
  certPem: string;
  /** The server's private key (PEM). Never leaves the process unless the caller writes it. */
  keyPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** EC P-256 keys: generating them takes milliseconds, where RSA-2048 takes a noticeable fraction of a second. */
export async function createCertificate(validDays = 365): Promise<EmulatorCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + validDays * DAY_MS);
  const ca = await generate([{ name: 'commonName', value: 'driftwarden local Azure emulator CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
