// Private keys of the CA (never workload keys: those are made by the proxy and never leave it).
// Keys live as PKCS#8 PEM on disk and as WebCrypto keys for @peculiar/x509 to sign with.
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { subtle } from './x509.js';

export const KEY_ALGORITHMS = ['ECDSA_P256', 'RSA_2048', 'RSA_3072'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** A private key ready to sign certificates, with what @peculiar/x509 needs to use it. */
export interface SigningKey {
  pem: string;
  privateKey: CryptoKeyLike;
  publicKey: CryptoKeyLike;
  /** The signature algorithm certificates signed by this key carry. */
  signingAlgorithm: { name: string; hash?: string };
}
/** WebCrypto's CryptoKey, named without pulling the DOM lib into the project. */
export type CryptoKeyLike = Awaited<ReturnType<typeof subtle.importKey>>;

const generate = promisify(generateKeyPair);

export async function generateSigningKey(algorithm: KeyAlgorithm): Promise<SigningKey> {
  const { privateKey } =
    algorithm === 'ECDSA_P256'
      ? await generate('ec', { namedCurve: 'prime256v1' })
      : await generate('rsa', { modulusLength: algorithm === 'RSA_2048' ? 2048 : 3072 });
  return signingKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'generated key');
}

/** Loads a PEM private key (PKCS#8, SEC1 or PKCS#1); `what` names its source in errors. */
export async function signingKeyFromPem(pem: string, what: string): Promise<SigningKey> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new Error(`${what}: not a PEM private key (${(e as Error).message}); give an unencrypted PKCS#8, EC or RSA key`, { cause: e });
  }
  const params = webCryptoParams(key, what);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return {
    pem: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    privateKey: await subtle.importKey('pkcs8', pkcs8, params.import, false, ['sign']),
    publicKey: await subtle.importKey('spki', spki, params.import, true, ['verify']),
    signingAlgorithm: params.sign,
  };
}

function webCryptoParams(key: KeyObject, what: string) {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve = { prime256v1: ['P-256', 'SHA-256'], secp384r1: ['P-384', 'SHA-384'] }[details.namedCurve ?? ''];
    if (!curve) throw new Error(`${what}: EC curve ${details.namedCurve} is not supported; use P-256 (prime256v1) or P-384`);
    return { import: { name: 'ECDSA', namedCurve: curve[0]! }, sign: { name: 'ECDSA', hash: curve[1]! } };
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw new Error(`${what}: RSA key of ${details.modulusLength} bits is too weak; use 2048 bits or more`);
    return { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  throw new Error(`${what}: ${key.asymmetricKeyType} keys are not supported; use ECDSA P-256 or RSA 2048/3072`);
}

/**
 * Checks a workload's public key (SPKI DER) is one the mesh accepts; returns a reason if not.
 * Weak keys are refused because a certificate is only as strong as its key.
 */
export function workloadKeyProblem(spki: ArrayBuffer): string | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (e) {
    return `its public key cannot be read (${(e as Error).message})`;
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1') return undefined;
    return `its EC key uses curve ${details.namedCurve}, which the mesh does not accept; use P-256 (prime256v1) or P-384`;
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    return bits >= 2048 && bits <= 8192 ? undefined : `its RSA key has ${bits} bits; use 2048 to 8192 bits`;
  }
  return `its ${key.asymmetricKeyType} key is not accepted; use ECDSA P-256/P-384 or RSA ≥ 2048 bits`;
}
