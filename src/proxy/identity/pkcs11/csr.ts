// A PKCS#10 request signed inside the token: the openssl CLI, with the pkcs11 engine, asks the
// token to sign; only the request (public key, SAN, signature) comes back on stdout.
import { Pkcs11Error } from './errors.js';
import type { EngineSettings } from './engine.js';
import { PIN_VARIABLE, runTool } from './tools.js';

// SPIFFE IDs as the spec allows them (trust domain: lower-case letters, digits, '.', '-', '_';
// path segments: letters, digits, '.', '-', '_'). Strict on purpose: the ID goes into an
// openssl -addext value, where a ',' would add a SAN the CA never asked for.
const SPIFFE_ID = /^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/;

export async function tokenSignedCsr(opts: {
  openssl: string;
  engine: EngineSettings;
  keyUri: string;
  pin: string;
  spiffeId: string;
  algorithm: string;
}): Promise<string> {
  if (!SPIFFE_ID.test(opts.spiffeId)) {
    throw new Pkcs11Error('BAD_OPTION', `"${opts.spiffeId}" is not a SPIFFE ID this CSR can carry; it must look like spiffe://cluster.local/ns/<namespace>/sa/<service-account>`);
  }
  const { stdout } = await runTool(
    opts.openssl,
    [
      'req', '-new', '-engine', opts.engine.engineId, '-keyform', 'engine', '-key', opts.keyUri, '-passin', `env:${PIN_VARIABLE}`,
      '-sha256',
      // The subject is empty, as in Istio's CSRs, so the SAN is critical (RFC 5280 4.2.1.6).
      '-subj', '/', '-addext', `subjectAltName=critical,URI:${opts.spiffeId}`,
      '-outform', 'PEM',
    ],
    { ...opts.engine.env, [PIN_VARIABLE]: opts.pin },
  );
  const pem = /-----BEGIN CERTIFICATE REQUEST-----[\s\S]+?-----END CERTIFICATE REQUEST-----\n?/.exec(stdout);
  if (!pem) throw new Pkcs11Error('TOKEN', `openssl req printed no certificate request for the ${opts.algorithm} token key`);
  return pem[0].endsWith('\n') ? pem[0] : `${pem[0]}\n`;
}
