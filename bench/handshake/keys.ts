// Server certificates for the handshake bench, one per key type, made by the openssl CLI into a
// temp dir: a self-signed leaf is enough, the client does not verify (verification is the
// client's cost, not the server's).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export type KeyType = 'ECDSA P-256' | 'RSA-2048';
export const KEY_TYPES: readonly KeyType[] = ['ECDSA P-256', 'RSA-2048'];

export interface ServerCert {
  type: KeyType;
  cert: string;
  key: string;
}

const NEWKEY: Record<KeyType, string[]> = {
  'ECDSA P-256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'RSA-2048': ['-newkey', 'rsa:2048'],
};

export function makeServerCert(dir: string, type: KeyType, host: string): ServerCert {
  const stem = type.startsWith('ECDSA') ? 'ecdsa' : 'rsa';
  const cert = join(dir, `${stem}-cert.pem`);
  const key = join(dir, `${stem}-key.pem`);
  execFileSync('openssl', ['req', '-x509', ...NEWKEY[type], '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`], { stdio: 'ignore' });
  return { type, cert, key };
}
