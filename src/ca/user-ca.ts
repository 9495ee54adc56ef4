// A root or intermediate the user brings (`--ca-cert FILE --ca-key FILE`, like Istio's
// cacerts): the file holds the signing certificate first, then its chain up to the root. The
// root alone is the trust bundle; workloads get the whole chain after their leaf.
import { readFile } from 'node:fs/promises';
import { splitPem } from './certificates.js';
import { signingKeyFromPem } from './keys.js';
import type { RootSnapshot } from './root-store.js';
import { x509 } from './x509.js';

async function read(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`${flag} ${file}: cannot read (${(e as Error).message})`, { cause: e });
  }
}

export async function loadUserCa(certFile: string, keyFile: string, now: number): Promise<RootSnapshot> {
  const chainPem = splitPem(await read(certFile, '--ca-cert'));
  if (chainPem.length === 0) throw new Error(`--ca-cert ${certFile}: no PEM certificate found`);
  const key = await signingKeyFromPem(await read(keyFile, '--ca-key'), `--ca-key ${keyFile}`);
  const chain = chainPem.map((p) => new x509.X509Certificate(p));
  const cert = chain[0]!;
  if (!(await cert.publicKey.equal(await x509.PublicKey.create(key.publicKey)))) {
    throw new Error(`--ca-key ${keyFile} is not the key of the first certificate in --ca-cert ${certFile}; give the signing certificate's own key`);
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) throw new Error(`--ca-cert ${certFile}: the first certificate is not a CA (basicConstraints CA:TRUE is required to sign workload certificates)`);
  if (cert.notAfter.getTime() <= now) throw new Error(`--ca-cert ${certFile}: the signing certificate expired at ${cert.notAfter.toISOString()}`);
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!(await chain[i]!.verify({ publicKey: chain[i + 1]!.publicKey, signatureOnly: true }))) {
      throw new Error(`--ca-cert ${certFile}: certificate ${i + 1} (${chain[i]!.subject}) is not signed by certificate ${i + 2} (${chain[i + 1]!.subject}); order the file signing cert first, root last`);
    }
  }
  const root = chain[chain.length - 1]!;
  if (!(await root.isSelfSigned())) {
    throw new Error(`--ca-cert ${certFile}: the last certificate (${root.subject}) is not a self-signed root; append the root certificate to the file`);
  }
  return { signer: { key, cert, chainPem }, bundle: [chainPem[chainPem.length - 1]!] };
}
