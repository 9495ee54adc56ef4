// Bootstrap tokens: a workload's first proof of who it is, before it has a certificate. Shaped
// like a Kubernetes projected service-account token (sub system:serviceaccount:<ns>:<sa>,
// an audience, an expiry) and signed ES256 by a key kept in the CA directory.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import { CaError } from './errors.js';
import { CA_FILES } from './files.js';
import { identityProblem } from './spiffe.js';

export const TOKEN_AUDIENCE = 'isthmus-ca';
export const TOKEN_ISSUER = 'isthmus';

export interface TokenKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The token key of `dir`, created (0600) on first use; two processes racing keep one key. */
export async function tokenKeys(dir: string): Promise<TokenKeys> {
  const file = path.join(dir, CA_FILES.tokenKey);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const fresh = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(fresh);
      await fh.close();
      pem = fresh;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code !== 'EEXIST') throw e2;
      pem = await readFile(file, 'utf8');
    }
  }
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export async function mintToken(keys: TokenKeys, namespace: string, serviceAccount: string, ttlSeconds: number, nowMs = Date.now()): Promise<string> {
  const problem = identityProblem({ trustDomain: 'cluster.local', namespace, serviceAccount });
  if (problem) throw new Error(problem);
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject(`system:serviceaccount:${namespace}:${serviceAccount}`)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuer(TOKEN_ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(keys.privateKey);
}

/** The namespace and service account a valid token speaks for; UNAUTHENTICATED otherwise. */
export async function verifyToken(keys: TokenKeys, token: string, nowMs = Date.now()): Promise<{ namespace: string; serviceAccount: string }> {
  let sub: string | undefined;
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      algorithms: ['ES256'],
      audience: TOKEN_AUDIENCE,
      issuer: TOKEN_ISSUER,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp', 'sub'],
    });
    sub = payload.sub;
  } catch (e) {
    throw new CaError('UNAUTHENTICATED', `bootstrap token refused: ${(e as Error).message} (mint a new one with \`isthmus ca token\`)`);
  }
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub ?? '');
  if (!m) throw new CaError('UNAUTHENTICATED', `bootstrap token refused: sub "${sub}" is not system:serviceaccount:<namespace>:<service-account>`);
  return { namespace: m[1]!, serviceAccount: m[2]! };
}
