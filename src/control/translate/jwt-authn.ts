// RequestAuthentication → Envoy's jwt_authn HTTP filter, the shape Istio gives it: one provider
// per jwtRule of every policy that applies to the workload (`origins-<n>`), and one rule for every
// path that requires any of them or no token at all (`requires_any: [..., allow_missing]`). So a
// request without a token passes (an AuthorizationPolicy may still demand a request principal),
// and a request with a token no provider accepts is refused with 401.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { DEFAULT_JWKS_FETCH_TIMEOUT, type JWTRule } from '../../api/security/request-authentication.js';
import { requestAuthenticationsFor } from '../model/request-authentication-index.js';
import type { TranslateContext } from './context.js';
import { any, duration } from './proto.js';

type Fields = Record<string, unknown>;

export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
export const JWT_AUTHN_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';

/** Envoy's default JWKS cache lifetime, which Istio keeps for remote key sets. */
const JWKS_CACHE_DURATION = { seconds: 300, nanos: 0 };

/**
 * A P-256 public key whose private half was thrown away when it was made. A rule whose keys the
 * manager cannot hand to the proxy (no jwks and no jwksUri — Istio would discover them through
 * OIDC, which a pure translation cannot — or an inline key set the proxy would reject) gets this
 * key instead, as Istio does when it cannot resolve a JWKS: tokens from that issuer fail, missing
 * tokens still pass, and the rest of the listener keeps working instead of being NACKed.
 */
export const UNVERIFIABLE_JWKS = JSON.stringify({
  keys: [{ kty: 'EC', crv: 'P-256', kid: 'isthmus-unresolved-jwks', x: 'jrCFMnZcnSpmkDJ8IfzevuaqX5KH-PBrDRPsoArUMC8', y: 'xULanykU7ZmQfvkhPyB0SA4Lfwcd9bnHqPWjYlpkrDQ' }],
});

/** Whether the proxy would accept this inline key set: public asymmetric keys it can import. */
export function inlineJwksUsable(text: string): boolean {
  try {
    const keys = (JSON.parse(text) as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0) return false;
    return keys.every((k: JsonWebKey) => {
      if (k === null || typeof k !== 'object' || k.kty === 'oct' || 'd' in k) return false;
      createPublicKey({ key: k, format: 'jwk' });
      return true;
    });
  } catch {
    return false;
  }
}

/** Istio's name for the cluster a jwksUri would be fetched through: `outbound|<port>||<host>`. */
export function jwksClusterName(uri: URL): string {
  const port = uri.port !== '' ? uri.port : uri.protocol === 'https:' ? '443' : '80';
  return `outbound|${port}||${uri.hostname}`;
}

function jwksSource(rule: JWTRule): Fields {
  if (rule.jwksUri !== undefined) {
    const uri = new URL(rule.jwksUri); // the schema checked it is an http(s) URL
    return {
      remote_jwks: {
        http_uri: { uri: rule.jwksUri, cluster: jwksClusterName(uri), timeout: duration(rule.timeout ?? DEFAULT_JWKS_FETCH_TIMEOUT) },
        cache_duration: JWKS_CACHE_DURATION,
      },
    };
  }
  const inline = rule.jwks !== undefined && inlineJwksUsable(rule.jwks) ? rule.jwks : UNVERIFIABLE_JWKS;
  return { local_jwks: { inline_string: inline } };
}

export function jwtProvider(rule: JWTRule): Fields {
  const p: Fields = { issuer: rule.issuer, ...jwksSource(rule) };
  if (rule.audiences?.length) p.audiences = rule.audiences;
  if (rule.fromHeaders?.length) p.from_headers = rule.fromHeaders.map((h) => ({ name: h.name, value_prefix: h.prefix ?? '' }));
  if (rule.fromParams?.length) p.from_params = rule.fromParams;
  if (rule.fromCookies?.length) p.from_cookies = rule.fromCookies;
  if (rule.forwardOriginalToken) p.forward = true;
  if (rule.outputPayloadToHeader) p.forward_payload_header = rule.outputPayloadToHeader;
  if (rule.outputClaimToHeaders?.length) p.claim_to_headers = rule.outputClaimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim }));
  // Istio files each verified payload under its issuer; authorization reads request.auth.* from it.
  p.payload_in_metadata = rule.issuer;
  return p;
}

/** The JwtAuthentication config for a list of jwtRules (those of every policy that applies). */
export function jwtAuthnConfig(rules: readonly JWTRule[]): Fields | undefined {
  if (rules.length === 0) return undefined;
  const providers: Record<string, Fields> = {};
  rules.forEach((r, i) => {
    providers[`origins-${i}`] = jwtProvider(r);
  });
  const requirements: Fields[] = [...Object.keys(providers).map((provider_name) => ({ provider_name })), { allow_missing: {} }];
  return any(JWT_AUTHN_TYPE, {
    providers,
    rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements } } }],
    // CORS preflights carry no credentials; Istio lets them through to the CORS filter.
    bypass_cors_preflight: true,
  });
}

/** The jwt_authn filter entry for the workload's inbound or gateway HCM; undefined when no policy applies. */
export function jwtAuthnFilterFor(ctx: TranslateContext): Fields | undefined {
  const rules = requestAuthenticationsFor(ctx.push, ctx.proxy).flatMap((e) => e.spec.jwtRules ?? []);
  const config = jwtAuthnConfig(rules);
  return config ? { name: JWT_AUTHN_FILTER, typed_config: config } : undefined;
}

/** Options an inbound or gateway HCM takes for request authentication (spread into HcmOptions). */
export function jwtHcmOptions(ctx: TranslateContext): { jwtAuthn?: Fields } {
  const jwtAuthn = jwtAuthnFilterFor(ctx);
  return jwtAuthn ? { jwtAuthn } : {};
}
