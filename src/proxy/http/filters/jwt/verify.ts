// Verifies one token for one provider in Envoy's order: the token's form, its issuer, its time
// window (with clock skew), its audiences, and only then its signature — so a token for another
// issuer never makes this provider fetch keys, and the reply says the first thing wrong.
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload, type JWTVerifyGetKey, type KeyObject } from 'jose';

/** One candidate key jose hands back when a JWKS has several that fit the token. */
type CandidateKey = KeyObject;
import type { JwtProviderSettings } from './config.js';
import { JWT_STATUS, statusForJoseError, type JwtStatus } from './status.js';

export interface VerifiedJwt {
  payload: JWTPayload;
  header: Record<string, unknown>;
  /** The payload segment as sent (base64url), for forward_payload_header. */
  rawPayload: string;
}

export type VerifyResult = { status: typeof JWT_STATUS.ok; jwt: VerifiedJwt } | { status: Exclude<JwtStatus, 'OK'> };

/** `https://api.example.com/` and `api.example.com` name the same audience (jwt_verify_lib). */
function sanitizeAudience(a: string): string {
  return a.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

function audienceAllowed(payload: JWTPayload, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const want = new Set(allowed.map(sanitizeAudience));
  return aud.some((a) => typeof a === 'string' && want.has(sanitizeAudience(a)));
}

function parse(token: string): { header: Record<string, unknown>; payload: JWTPayload } | { status: JwtStatus } {
  if (token.split('.').length !== 3) return { status: JWT_STATUS.badFormat };
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return { status: JWT_STATUS.headerParse };
  }
  try {
    return { header, payload: decodeJwt(token) };
  } catch {
    return { status: JWT_STATUS.payloadParse };
  }
}

function timeStatus(payload: JWTPayload, p: JwtProviderSettings, nowSeconds: number): JwtStatus | undefined {
  const skew = p.clockSkewSeconds;
  if (typeof payload.nbf === 'number' && nowSeconds + skew < payload.nbf) return JWT_STATUS.notYetValid;
  if (typeof payload.exp === 'number' && nowSeconds > payload.exp + skew) return JWT_STATUS.expired;
  if (p.requireExpiration && typeof payload.exp !== 'number') return JWT_STATUS.noExpiration;
  return undefined;
}

/** Signature check; a key set with several candidate keys (no kid) is tried key by key. */
async function checkSignature(token: string, keys: JWTVerifyGetKey): Promise<JwtStatus> {
  try {
    await compactVerify(token, keys);
    return JWT_STATUS.ok;
  } catch (err) {
    const candidates = err as { code?: string; [Symbol.asyncIterator]?: () => AsyncIterator<CandidateKey> };
    if (candidates.code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' || !candidates[Symbol.asyncIterator]) return statusForJoseError(err);
    for await (const key of candidates as AsyncIterable<CandidateKey>) {
      try {
        await compactVerify(token, key);
        return JWT_STATUS.ok;
      } catch {
        // try the next candidate
      }
    }
    return JWT_STATUS.verificationFails;
  }
}

export async function verifyToken(
  token: string,
  p: JwtProviderSettings,
  keys: JWTVerifyGetKey,
  now: number,
  audiences: readonly string[] = p.audiences,
): Promise<VerifyResult> {
  const parsed = parse(token);
  if ('status' in parsed) return { status: parsed.status as Exclude<JwtStatus, 'OK'> };
  const { header, payload } = parsed;
  if (p.issuer !== '' && payload.iss !== p.issuer) return { status: JWT_STATUS.unknownIssuer };
  const time = timeStatus(payload, p, Math.floor(now / 1000));
  if (time) return { status: time as Exclude<JwtStatus, 'OK'> };
  if (!audienceAllowed(payload, audiences)) return { status: JWT_STATUS.audienceNotAllowed };
  const sig = await checkSignature(token, keys);
  if (sig !== JWT_STATUS.ok) return { status: sig };
  return { status: JWT_STATUS.ok, jwt: { payload, header, rawPayload: token.split('.')[1]! } };
}
