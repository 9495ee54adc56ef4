// Reads a JwtAuthentication typed_config (decoded object form) into settings the filter runs
// from, rejecting what this proxy cannot honour with a FilterConfigError naming the field — a
// listener carrying it is NACKed instead of accepted and then failing open or closed by surprise.
import { createPublicKey } from 'node:crypto';
import type { Fields } from '../../stream.js';
import { asFields, bool, durationMs, list, message, reject, str, uint } from '../config-fields.js';

export interface JwtLocation {
  kind: 'header' | 'param' | 'cookie';
  name: string;
  /** Header value prefix, e.g. `Bearer ` (headers only). */
  prefix: string;
}

export type JwksSource =
  | { kind: 'local'; jwks: { keys: Fields[] } }
  | { kind: 'remote'; uri: URL; cluster: string; timeoutMs: number; cacheDurationMs: number };

export interface JwtProviderSettings {
  name: string;
  issuer: string;
  audiences: readonly string[];
  jwks: JwksSource;
  /** Keep the token on the request forwarded upstream (Envoy `forward`). */
  forward: boolean;
  locations: readonly JwtLocation[];
  forwardPayloadHeader: string;
  padForwardPayloadHeader: boolean;
  payloadInMetadata: string;
  headerInMetadata: string;
  clockSkewSeconds: number;
  requireExpiration: boolean;
  claimToHeaders: readonly { header: string; claim: string }[];
  clearRouteCache: boolean;
}

export type JwtRequirement =
  | { kind: 'provider'; provider: string; audiences?: readonly string[] }
  | { kind: 'any'; of: readonly JwtRequirement[] }
  | { kind: 'all'; of: readonly JwtRequirement[] }
  | { kind: 'allow_missing' }
  | { kind: 'allow_missing_or_failed' }
  /** No requirement set: every request passes (Envoy's AllowAll). */
  | { kind: 'none' };

export interface JwtRule {
  match: Fields;
  requirement: JwtRequirement;
}

export interface JwtAuthnSettings {
  providers: ReadonlyMap<string, JwtProviderSettings>;
  rules: readonly JwtRule[];
  requirementMap: ReadonlyMap<string, JwtRequirement>;
  bypassCorsPreflight: boolean;
  stripFailureResponse: boolean;
}

/** Envoy's defaults when a provider names no location: `Authorization: Bearer` then `?access_token=`. */
const DEFAULT_LOCATIONS: readonly JwtLocation[] = [
  { kind: 'header', name: 'authorization', prefix: 'Bearer ' },
  { kind: 'param', name: 'access_token', prefix: '' },
];

/** Envoy's RemoteJwks.cache_duration default: 5 minutes. */
const DEFAULT_CACHE_MS = 5 * 60_000;
/** HttpUri.timeout is required in Envoy; when a control plane leaves it out we wait 5 s like Istio. */
const DEFAULT_FETCH_TIMEOUT_MS = 5_000;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerName(value: unknown, field: string, required: boolean): string {
  const name = str(value, field);
  if (name === '' && !required) return '';
  if (!HEADER_NAME.test(name)) reject(field, `"${name}" is not a valid HTTP header name`);
  return name.toLowerCase();
}

/** Checks each key of an inline JWKS now, so a bad key fails the listener, not every request. */
function readInlineJwks(text: string, field: string): { keys: Fields[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    reject(field, `is not a JSON Web Key Set: ${(err as Error).message}`);
  }
  const keys = asFields(doc)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) reject(field, 'is not a JSON Web Key Set: it needs a non-empty "keys" array');
  keys.forEach((k, i) => {
    const key = asFields(k);
    if (!key || typeof key.kty !== 'string') reject(`${field}.keys[${i}]`, 'is not a JSON Web Key (no "kty")');
    if (key.kty === 'oct') reject(`${field}.keys[${i}]`, 'symmetric ("oct") keys are not supported: publish the issuer\'s public keys (RSA, EC or OKP)');
    if ('d' in key) reject(`${field}.keys[${i}]`, 'is a private key: a JWKS must hold public keys only');
    try {
      createPublicKey({ key: key as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch (err) {
      reject(`${field}.keys[${i}]`, `is not a usable ${String(key.kty)} public key: ${(err as Error).message}`);
    }
  });
  return { keys: keys as Fields[] };
}

function readJwks(p: Fields, field: string): JwksSource {
  const local = message(p.local_jwks, `${field}.local_jwks`);
  const remote = message(p.remote_jwks, `${field}.remote_jwks`);
  if (local && remote) reject(field, 'sets both local_jwks and remote_jwks');
  if (local) {
    if (local.inline_string === undefined) reject(`${field}.local_jwks`, 'only inline_string is supported (no filename, inline_bytes or environment_variable)');
    return { kind: 'local', jwks: readInlineJwks(str(local.inline_string, `${field}.local_jwks.inline_string`), `${field}.local_jwks.inline_string`) };
  }
  if (!remote) return reject(field, 'needs local_jwks or remote_jwks');
  const httpUri = message(remote.http_uri, `${field}.remote_jwks.http_uri`) ?? reject(`${field}.remote_jwks.http_uri`, 'is required');
  const text = str(httpUri.uri, `${field}.remote_jwks.http_uri.uri`);
  let uri: URL;
  try {
    uri = new URL(text);
  } catch {
    return reject(`${field}.remote_jwks.http_uri.uri`, `"${text}" is not a URL`);
  }
  if (uri.protocol !== 'http:' && uri.protocol !== 'https:') reject(`${field}.remote_jwks.http_uri.uri`, `scheme "${uri.protocol}" is not supported: use http or https`);
  const timeoutMs = durationMs(httpUri.timeout, `${field}.remote_jwks.http_uri.timeout`) ?? DEFAULT_FETCH_TIMEOUT_MS;
  const cacheDurationMs = durationMs(remote.cache_duration, `${field}.remote_jwks.cache_duration`) ?? DEFAULT_CACHE_MS;
  if (timeoutMs <= 0) reject(`${field}.remote_jwks.http_uri.timeout`, 'must be positive');
  return { kind: 'remote', uri, cluster: str(httpUri.cluster, `${field}.remote_jwks.http_uri.cluster`), timeoutMs, cacheDurationMs };
}

function readLocations(p: Fields, field: string): JwtLocation[] {
  const out: JwtLocation[] = [];
  list(p.from_headers, `${field}.from_headers`).forEach((h, i) => {
    const f = message(h, `${field}.from_headers[${i}]`) ?? {};
    out.push({ kind: 'header', name: headerName(f.name, `${field}.from_headers[${i}].name`, true), prefix: str(f.value_prefix, `${field}.from_headers[${i}].value_prefix`) });
  });
  list(p.from_params, `${field}.from_params`).forEach((n, i) => out.push({ kind: 'param', name: str(n, `${field}.from_params[${i}]`), prefix: '' }));
  list(p.from_cookies, `${field}.from_cookies`).forEach((n, i) => out.push({ kind: 'cookie', name: str(n, `${field}.from_cookies[${i}]`), prefix: '' }));
  return out.length > 0 ? out : [...DEFAULT_LOCATIONS];
}

function readProvider(name: string, p: Fields, field: string): JwtProviderSettings {
  if (message(p.subjects, `${field}.subjects`)) reject(`${field}.subjects`, 'is not supported by this proxy');
  if (message(p.max_lifetime, `${field}.max_lifetime`)) reject(`${field}.max_lifetime`, 'is not supported by this proxy');
  if (message(p.normalize_payload_in_metadata, `${field}.normalize_payload_in_metadata`)) reject(`${field}.normalize_payload_in_metadata`, 'is not supported by this proxy');
  return {
    name,
    issuer: str(p.issuer, `${field}.issuer`),
    audiences: list(p.audiences, `${field}.audiences`).map((a, i) => str(a, `${field}.audiences[${i}]`)),
    jwks: readJwks(p, field),
    forward: bool(p.forward, `${field}.forward`),
    locations: readLocations(p, field),
    forwardPayloadHeader: headerName(p.forward_payload_header, `${field}.forward_payload_header`, false),
    padForwardPayloadHeader: bool(p.pad_forward_payload_header, `${field}.pad_forward_payload_header`),
    payloadInMetadata: str(p.payload_in_metadata, `${field}.payload_in_metadata`),
    headerInMetadata: str(p.header_in_metadata, `${field}.header_in_metadata`),
    clockSkewSeconds: p.clock_skew_seconds === undefined || p.clock_skew_seconds === 0 ? 60 : uint(p.clock_skew_seconds, `${field}.clock_skew_seconds`),
    requireExpiration: bool(p.require_expiration, `${field}.require_expiration`),
    claimToHeaders: list(p.claim_to_headers, `${field}.claim_to_headers`).map((c, i) => {
      const f = message(c, `${field}.claim_to_headers[${i}]`) ?? {};
      const claim = str(f.claim_name, `${field}.claim_to_headers[${i}].claim_name`);
      if (claim === '') reject(`${field}.claim_to_headers[${i}].claim_name`, 'must not be empty');
      return { header: headerName(f.header_name, `${field}.claim_to_headers[${i}].header_name`, true), claim };
    }),
    clearRouteCache: bool(p.clear_route_cache, `${field}.clear_route_cache`),
  };
}

export function readRequirement(value: unknown, field: string, providers: ReadonlyMap<string, unknown>): JwtRequirement {
  const r = message(value, field) ?? {};
  const provider = (name: unknown, f: string): string => {
    const n = str(name, f);
    if (!providers.has(n)) reject(f, `names provider "${n}", which is not configured (providers: ${[...providers.keys()].join(', ') || 'none'})`);
    return n;
  };
  if (r.provider_name !== undefined) return { kind: 'provider', provider: provider(r.provider_name, `${field}.provider_name`) };
  const pa = message(r.provider_and_audiences, `${field}.provider_and_audiences`);
  if (pa) {
    return {
      kind: 'provider',
      provider: provider(pa.provider_name, `${field}.provider_and_audiences.provider_name`),
      audiences: list(pa.audiences, `${field}.provider_and_audiences.audiences`).map((a, i) => str(a, `${field}.provider_and_audiences.audiences[${i}]`)),
    };
  }
  for (const key of ['requires_any', 'requires_all'] as const) {
    const group = message(r[key], `${field}.${key}`);
    if (!group) continue;
    const items = list(group.requirements, `${field}.${key}.requirements`);
    if (items.length < 2) reject(`${field}.${key}.requirements`, 'needs at least 2 requirements');
    const of = items.map((x, i) => readRequirement(x, `${field}.${key}.requirements[${i}]`, providers));
    return { kind: key === 'requires_any' ? 'any' : 'all', of };
  }
  if (message(r.allow_missing, `${field}.allow_missing`)) return { kind: 'allow_missing' };
  if (message(r.allow_missing_or_failed, `${field}.allow_missing_or_failed`)) return { kind: 'allow_missing_or_failed' };
  return { kind: 'none' };
}

export function readJwtAuthentication(config: Fields): JwtAuthnSettings {
  if (message(config.filter_state_rules, 'filter_state_rules')) reject('filter_state_rules', 'is not supported by this proxy: use rules');
  const providers = new Map<string, JwtProviderSettings>();
  for (const [name, p] of Object.entries(message(config.providers, 'providers') ?? {})) {
    const field = `providers["${name}"]`;
    providers.set(name, readProvider(name, message(p, field) ?? {}, field));
  }
  const requirementMap = new Map<string, JwtRequirement>();
  for (const [name, r] of Object.entries(message(config.requirement_map, 'requirement_map') ?? {})) {
    requirementMap.set(name, readRequirement(r, `requirement_map["${name}"]`, providers));
  }
  const rules = list(config.rules, 'rules').map((x, i): JwtRule => {
    const r = message(x, `rules[${i}]`) ?? {};
    const match = message(r.match, `rules[${i}].match`) ?? reject(`rules[${i}].match`, 'is required');
    if (r.requirement_name !== undefined && r.requirement_name !== '') {
      const name = str(r.requirement_name, `rules[${i}].requirement_name`);
      const requirement = requirementMap.get(name) ?? reject(`rules[${i}].requirement_name`, `"${name}" is not in requirement_map`);
      return { match, requirement };
    }
    return { match, requirement: readRequirement(r.requires, `rules[${i}].requires`, providers) };
  });
  return {
    providers,
    rules,
    requirementMap,
    bypassCorsPreflight: bool(config.bypass_cors_preflight, 'bypass_cors_preflight'),
    stripFailureResponse: bool(config.strip_failure_response, 'strip_failure_response'),
  };
}

export type JwtPerRoute = { kind: 'disabled' } | { kind: 'requirement'; name: string };

/** PerRouteConfig: `disabled: true`, or a requirement_name (checked against the filter's map per request). */
export function readPerRoute(config: Fields): JwtPerRoute {
  if (config.disabled === true) return { kind: 'disabled' };
  const name = str(config.requirement_name, 'requirement_name');
  if (name === '') reject('requirement_specifier', 'set disabled: true or a requirement_name');
  return { kind: 'requirement', name };
}
