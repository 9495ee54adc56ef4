// Why a JWT was refused, as Envoy's jwt_verify_lib names it. The message is the local reply's
// body (Envoy answers with exactly these strings), so clients and tests see what Envoy would say.

export const JWT_STATUS = {
  ok: 'OK',
  missing: 'Jwt is missing',
  badFormat: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
  headerParse: 'Jwt header is an invalid JSON',
  payloadParse: 'Jwt payload is an invalid JSON',
  unknownIssuer: 'Jwt issuer is not configured',
  expired: 'Jwt is expired',
  notYetValid: 'Jwt not yet valid',
  noExpiration: 'Jwt does not have an expiration',
  audienceNotAllowed: 'Audiences in Jwt are not allowed',
  verificationFails: 'Jwt verification fails',
  badAlg: 'Jwt header [alg] is not supported',
  noMatchingKey: "Jwks doesn't have key to match kid or alg from Jwt",
  jwksFetchFail: 'Jwks remote fetch is failed',
} as const;

export type JwtStatus = (typeof JWT_STATUS)[keyof typeof JWT_STATUS];

/**
 * Envoy's aggregation for requires_any: any real failure beats "wrong issuer for this provider",
 * which beats "no token for this provider" — so the reply names the provider that owned the token.
 */
export function worseOf(a: JwtStatus, b: JwtStatus): JwtStatus {
  const rank = (s: JwtStatus) => (s === JWT_STATUS.missing ? 0 : s === JWT_STATUS.unknownIssuer ? 1 : 2);
  return rank(b) > rank(a) ? b : a;
}

/** jose's error codes, as Envoy's statuses. */
export function statusForJoseError(err: unknown): JwtStatus {
  const code = (err as { code?: string } | undefined)?.code;
  switch (code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED': return JWT_STATUS.verificationFails;
    case 'ERR_JWKS_NO_MATCHING_KEY': return JWT_STATUS.noMatchingKey;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED': return JWT_STATUS.badAlg;
    case 'ERR_JWS_INVALID': return JWT_STATUS.badFormat;
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC': // a JWKS server answering other than 200 OK
      return JWT_STATUS.jwksFetchFail;
    case undefined:
      // fetch() failures (connection refused, DNS) are plain errors without a jose code.
      return JWT_STATUS.jwksFetchFail;
    default: return JWT_STATUS.verificationFails;
  }
}
