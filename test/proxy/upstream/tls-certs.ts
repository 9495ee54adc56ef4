// Certificates for the TLS tests, made at test time with the openssl CLI (node:crypto cannot
// issue certificates): a CA, leaf certificates it signs with the given subject alt names, and
// self-signed certificates. Each PKI lives in its own temporary directory. The openssl calls
// carry their own minimal config file, so a missing or unusual system openssl.cnf cannot break
// them; SANs go in with -addext (self-signed) or an extension file (CA-signed), both of which
// OpenSSL 1.1.1 and 3.x accept.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCert {
  /** PEM file paths. */
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  /** The CA's certificate and key. */
  ca: IssuedCert;
  /** A leaf signed by the CA; `sans` in openssl syntax: `DNS:a.example`, `URI:spiffe://…`, `IP:127.0.0.1`. */
  issue(name: string, sans: string[]): Promise<IssuedCert>;
  /** A certificate signed by nobody but itself. */
  selfSigned(name: string, sans: string[]): Promise<IssuedCert>;
  close(): Promise<void>;
}

const MINIMAL_CONFIG = ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'CN = unused', ''].join('\n');

function openssl(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { env }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

/** P-256 keys: fast to make, and every TLS stack takes them. */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makePki(caName = 'Isthmus Test CA'): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-pki-'));
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, MINIMAL_CONFIG);
  const env = { PATH: process.env.PATH, OPENSSL_CONF: config, RANDFILE: join(dir, '.rnd') };
  const path = (name: string, ext: string) => join(dir, `${name.replace(/[^A-Za-z0-9.-]/g, '_')}.${ext}`);
  const ca: IssuedCert = { cert: path('ca', 'crt'), key: path('ca', 'key') };
  await openssl([
    'req', '-x509', '-config', config, ...NEW_KEY, '-keyout', ca.key, '-out', ca.cert, '-days', '2', '-sha256',
    '-subj', `/CN=${caName}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], env);
  return {
    dir,
    ca,
    async issue(name, sans) {
      const out: IssuedCert = { cert: path(name, 'crt'), key: path(name, 'key') };
      const csr = path(name, 'csr');
      const ext = path(name, 'ext');
      await openssl(['req', '-new', '-config', config, ...NEW_KEY, '-keyout', out.key, '-out', csr, '-subj', `/CN=${name}`], env);
      await writeFile(ext, [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
        '',
      ].join('\n'));
      // A random serial instead of -CAcreateserial: no serial file to race on between issues.
      await openssl([
        'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
        '-days', '2', '-sha256', '-extfile', ext, '-out', out.cert,
      ], env);
      return out;
    },
    async selfSigned(name, sans) {
      const out: IssuedCert = { cert: path(name, 'crt'), key: path(name, 'key') };
      await openssl([
        'req', '-x509', '-config', config, ...NEW_KEY, '-keyout', out.key, '-out', out.cert, '-days', '2', '-sha256', '-subj', `/CN=${name}`,
        ...(sans.length > 0 ? ['-addext', `subjectAltName=${sans.join(',')}`] : []),
      ], env);
      return out;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
