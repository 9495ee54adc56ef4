// The security.istio.io kinds: schemas and the types the control plane consumes.
export { peerAuthenticationSpec, mutualTls, MTLS_MODES, type PeerAuthenticationSpec } from './peer-authentication.js';
export { authorizationPolicySpec, rule, AUTHORIZATION_ACTIONS, type AuthorizationPolicySpec, type Rule } from './authorization-policy.js';
export { requestAuthenticationSpec, jwtRule, DEFAULT_JWKS_FETCH_TIMEOUT, type RequestAuthenticationSpec, type JWTRule } from './request-authentication.js';
export { policyTargetReference, type PolicyTargetReference } from './policy-target.js';
export { SUPPORTED_CONDITION_KEYS } from './condition-keys.js';
