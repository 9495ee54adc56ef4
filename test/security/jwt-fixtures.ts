// JWT test fixtures: signing keys made by jose (RS256 and ES256), tokens signed with them, and a
// real JWKS HTTP server on 127.0.0.1:0 whose key set can be switched (rotation) and whose fetches
// are counted. Also encodes a JwtAuthentication config through Envoy's real protos, so the filter
// sees exactly the shape an xDS client decodes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { xdsRoot } from '../../src/control/xds/protos.js';
import { checkShape } from '../../src/control/xds/resource-shape.js';

export type Alg = 'RS256' | 'ES256';

export interface SigningKey {
  alg: Alg;
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

export async function signingKey(alg: Alg, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, jwk };
}

export const ISSUER = 'https://issuer.example.com';
export const AUDIENCE = 'bookinfo.example.com';

export interface TokenOptions {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  /** Seconds from now; negative for the past. Default +3600. */
  expIn?: number;
  nbfIn?: number;
  claims?: JWTPayload;
  /** Override the header's kid (a token naming a key the server does not hold). */
  kid?: string;
  now?: number;
}

export async function token(key: SigningKey, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor((o.now ?? Date.now()) / 1000);
  const jwt = new SignJWT({ ...o.claims })
    .setProtectedHeader({ alg: key.alg, kid: o.kid ?? key.kid, typ: 'JWT' })
    .setIssuer(o.iss ?? ISSUER)
    .setSubject(o.sub ?? 'alice')
    .setIssuedAt(now)
    .setExpirationTime(now + (o.expIn ?? 3600));
  if (o.aud !== undefined) jwt.setAudience(o.aud);
  if (o.nbfIn !== undefined) jwt.setNotBefore(now + o.nbfIn);
  return jwt.sign(key.privateKey);
}

export function jwks(...keys: SigningKey[]): string {
  return JSON.stringify({ keys: keys.map((k) => k.jwk) });
}

export interface JwksServer {
  url: string;
  /** How many times the key set was fetched. */
  fetches: number;
  /** Serves a new key set from now on (key rotation). */
  serve(...keys: SigningKey[]): void;
  /** Answers 503 from now on. */
  fail(): void;
  close(): Promise<void>;
}

export async function startJwksServer(...keys: SigningKey[]): Promise<JwksServer> {
  let body = jwks(...keys);
  let failing = false;
  const state = { fetches: 0 };
  const server: Server = createServer((req, res) => {
    state.fetches++;
    if (failing) {
      res.writeHead(503).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return state.fetches;
    },
    serve(...next: SigningKey[]) {
      body = jwks(...next);
      failing = false;
    },
    fail() {
      failing = true;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const JWT_AUTHN = 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';

/** A JwtAuthentication (`@type` optional) as an xDS client decodes it: encoded and decoded with Envoy's protos. */
export function decodedJwtAuthn(fields: Record<string, unknown>): Record<string, unknown> {
  const { '@type': _t, ...rest } = fields;
  const root = xdsRoot();
  const type = root.lookupType(JWT_AUTHN);
  checkShape(root, type, rest, JWT_AUTHN);
  const bytes = type.encode(type.fromObject(rest)).finish();
  const back = type.toObject(type.decode(bytes), { enums: String, longs: String, bytes: String, json: true });
  return { '@type': `type.googleapis.com/${JWT_AUTHN}`, ...back };
}
