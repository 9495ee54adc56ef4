// Reading a cluster's UpstreamTlsContext (CDS time) into UpstreamTlsSettings: SNI, ALPN, the
// client certificate and how to verify the server. Anything the proxy could not honour is
// rejected, so the cluster is NACKed. The Envoy semantics followed are listed in
// tls-origination.ts.
import { structToJson, type JsonValue } from '../../control/xds/struct.js';
import { regexMatches } from '../router/string-matcher.js';
import { asFields, list, reject, wrapped, type Fields } from '../xds-client/fields.js';
import { dataSource, localSdsSecret, type SecretSource } from './sds-local.js';
import { readTlsParams, type TlsParams } from './tls-params.js';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
export const UPSTREAM_TLS_CONTEXT_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const RAW_BUFFER_SOCKET = 'envoy.transport_sockets.raw_buffer';
const RAW_BUFFER_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';
const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export type SanType = 'DNS' | 'URI' | 'EMAIL' | 'IP_ADDRESS';

/** A SubjectAltNameMatcher; `ANY` is the deprecated match_subject_alt_names (any SAN type). */
export interface SanMatcher {
  type: SanType | 'ANY';
  /** An Envoy StringMatcher. */
  matcher: Fields;
}

export type ClientCertificate =
  | { chain: SecretSource; key: SecretSource; password?: SecretSource }
  | { pkcs12: SecretSource; password?: SecretSource };

export interface ServerValidation {
  /** `system`: the platform's root store (system_root_certs). */
  trustedCa: SecretSource | 'system';
  sans: SanMatcher[];
  /** SHA-256 of the certificate, lowercase hex without colons. */
  hashes: string[];
  /** SHA-256 of the SubjectPublicKeyInfo, base64. */
  spkis: string[];
}

export interface UpstreamTlsSettings {
  /** '' = send no SNI. */
  sni: string;
  alpn: string[];
  certificate?: ClientCertificate;
  /** Absent: the server is not verified. */
  validation?: ServerValidation;
  params: TlsParams;
  /** max_session_keys: TLS sessions kept for resumption. */
  maxSessionKeys?: number;
}

// ---- Reading the config (CDS time; a rejection NACKs the cluster) ----

/**
 * The cluster's upstream TLS (its transport_socket), or undefined for plaintext (no
 * transport_socket, or raw_buffer). Its transport_socket_matches are checked too, so a cluster
 * with a bad one is rejected whole. Throws ResourceRejected for anything the proxy could not honour.
 */
export function readUpstreamTls(cluster: Fields): UpstreamTlsSettings | undefined {
  readTransportSocketMatches(cluster);
  return readSocket(cluster, asFields(cluster.transport_socket), 'transport_socket');
}

/** One of a cluster's transport_socket_matches: endpoints whose metadata matches use its socket. */
export interface TransportSocketMatch {
  name: string;
  /** Keys and values the endpoint's `envoy.transport_socket_match` metadata must all have. */
  match: Record<string, JsonValue>;
  /** undefined = plaintext (raw_buffer). */
  tls: UpstreamTlsSettings | undefined;
}

/** The cluster's transport_socket_matches, in order (Envoy uses the first that matches). */
export function readTransportSocketMatches(cluster: Fields): TransportSocketMatch[] {
  return list(cluster.transport_socket_matches).map((m, i) => {
    const at = `transport_socket_matches[${i}]`;
    const socket = asFields(m.transport_socket);
    if (!socket) reject(`${at}.transport_socket`, 'is missing');
    return { name: typeof m.name === 'string' ? m.name : '', match: structToJson(m.match), tls: readSocket(cluster, socket, `${at}.transport_socket`) };
  });
}

/**
 * Envoy's transport socket selection for one endpoint: the first match whose every key/value is
 * in the endpoint's `filter_metadata["envoy.transport_socket_match"]` (an empty match takes every
 * endpoint), else -1 for the cluster's own transport_socket.
 */
export function matchTransportSocket(matches: readonly Pick<TransportSocketMatch, 'match'>[], metadata: Record<string, JsonValue> | undefined): number {
  return matches.findIndex((m) => Object.entries(m.match).every(([k, v]) => metadata !== undefined && k in metadata && JSON.stringify(metadata[k]) === JSON.stringify(v)));
}

function readSocket(cluster: Fields, socket: Fields | undefined, field: string): UpstreamTlsSettings | undefined {
  if (!socket) return undefined;
  const name = typeof socket.name === 'string' ? socket.name : '';
  const typed = asFields(socket.typed_config);
  // protobufjs leaves an Any of a type it does not know as {type_url, value}.
  const type = typed ? String(typed['@type'] ?? typed.type_url ?? '') : '';
  if (type === RAW_BUFFER_TYPE || (!typed && name === RAW_BUFFER_SOCKET)) return undefined;
  if (type !== UPSTREAM_TLS_CONTEXT_TYPE) {
    reject(field, `${name || type || 'an unnamed socket'}${type && name ? ` (${type})` : ''} is not supported; only ${TLS_TRANSPORT_SOCKET} with an UpstreamTlsContext, or raw_buffer`);
  }
  const options = asFields(asFields(cluster.typed_extension_protocol_options)?.[HTTP_PROTOCOL_OPTIONS]);
  const upstreamHttp = asFields(options?.upstream_http_protocol_options) ?? asFields(cluster.upstream_http_protocol_options);
  // SNI (and SAN checks) from each request's Host: not built; ignoring it would send no SNI at all.
  for (const key of ['auto_sni', 'auto_san_validation']) {
    if (upstreamHttp?.[key] === true) reject(`upstream_http_protocol_options.${key}`, 'is not supported; set the SNI in the UpstreamTlsContext (DestinationRule tls.sni)');
  }
  return upstreamTlsContext(typed!, `${field}.typed_config`);
}

const COMMON_FIELDS = new Set([
  'tls_params', 'tls_certificates', 'tls_certificate_sds_secret_configs', 'validation_context',
  'validation_context_sds_secret_config', 'combined_validation_context', 'alpn_protocols',
]);

function upstreamTlsContext(ctx: Fields, field: string): UpstreamTlsSettings {
  const common = asFields(ctx.common_tls_context) ?? {};
  const at = `${field}.common_tls_context`;
  for (const key of Object.keys(common)) {
    if (!COMMON_FIELDS.has(key)) {
      const why = key.includes('provider') ? 'certificate providers are for proxyless gRPC; the proxy reads certificates from files or SDS names' : 'is not supported';
      reject(`${at}.${key}`, why);
    }
  }
  const sni = typeof ctx.sni === 'string' ? ctx.sni : '';
  const alpn = (Array.isArray(common.alpn_protocols) ? common.alpn_protocols : []).map(String);
  const settings: UpstreamTlsSettings = { sni, alpn, params: readTlsParams(asFields(common.tls_params), `${at}.tls_params`, { rejectUnknown: false }) };
  const certificate = clientCertificate(common, at);
  if (certificate) settings.certificate = certificate;
  const validation = serverValidation(common, at);
  if (validation) settings.validation = validation;
  const keys = wrapped(ctx.max_session_keys);
  if (keys !== undefined) settings.maxSessionKeys = keys;
  return settings;
}

const CERTIFICATE_FIELDS = new Set(['certificate_chain', 'private_key', 'password', 'pkcs12', 'ocsp_staple', 'signed_certificate_timestamp']);

function clientCertificate(common: Fields, at: string): ClientCertificate | undefined {
  const inline = list(common.tls_certificates);
  const sds = list(common.tls_certificate_sds_secret_configs);
  if (inline.length + sds.length > 1) reject(`${at}.tls_certificates`, 'an upstream connection presents one client certificate; more than one is configured');
  if (sds.length === 1) {
    const secret = localSdsSecret(sds[0]!, `${at}.tls_certificate_sds_secret_configs[0]`, 'tls_certificate');
    return secret.kind === 'tls_certificate' ? { chain: secret.chain, key: secret.key } : undefined;
  }
  if (inline.length === 0) return undefined;
  const c = inline[0]!;
  const field = `${at}.tls_certificates[0]`;
  for (const key of Object.keys(c)) if (!CERTIFICATE_FIELDS.has(key)) reject(`${field}.${key}`, 'is not supported');
  const password = c.password === undefined ? undefined : dataSource(c.password, `${field}.password`);
  if (c.pkcs12 !== undefined) {
    if (c.certificate_chain !== undefined || c.private_key !== undefined) reject(`${field}.pkcs12`, 'cannot be combined with certificate_chain/private_key');
    return { pkcs12: dataSource(c.pkcs12, `${field}.pkcs12`), ...(password ? { password } : {}) };
  }
  return { chain: dataSource(c.certificate_chain, `${field}.certificate_chain`), key: dataSource(c.private_key, `${field}.private_key`), ...(password ? { password } : {}) };
}

const VALIDATION_FIELDS = new Set([
  'trusted_ca', 'system_root_certs', 'match_typed_subject_alt_names', 'match_subject_alt_names', 'verify_certificate_spki',
  'verify_certificate_hash', 'trust_chain_verification', 'allow_expired_certificate', 'only_verify_leaf_cert_crl', 'require_signed_certificate_timestamp',
]);

interface PartialValidation {
  trustedCa?: SecretSource | 'system';
  sans: SanMatcher[];
  hashes: string[];
  spkis: string[];
}

/**
 * Envoy's three ways to give a CertificateValidationContext — inline, by SDS name, or combined
 * (the SDS secret's trusted CA over the inline defaults) — read with the caller's own readers.
 * Upstream (server) and downstream (client) verification both take it this way.
 */
export function readValidationSource<T extends { trustedCa?: unknown }>(
  common: Fields,
  at: string,
  read: (v: Fields, field: string) => T,
  fromSds: (sds: Fields, field: string) => T,
): T | undefined {
  const inline = asFields(common.validation_context);
  const sdsRoot = asFields(common.validation_context_sds_secret_config);
  const combined = asFields(common.combined_validation_context);
  if ([inline, sdsRoot, combined].filter(Boolean).length > 1) {
    reject(`${at}.validation_context`, 'set only one of validation_context, validation_context_sds_secret_config, combined_validation_context');
  }
  if (inline) return read(inline, `${at}.validation_context`);
  if (sdsRoot) return fromSds(sdsRoot, `${at}.validation_context_sds_secret_config`);
  if (combined) {
    const field = `${at}.combined_validation_context`;
    for (const key of Object.keys(combined)) {
      if (key !== 'default_validation_context' && key !== 'validation_context_sds_secret_config') reject(`${field}.${key}`, 'is not supported');
    }
    const defaults = read(asFields(combined.default_validation_context) ?? {}, `${field}.default_validation_context`);
    const dynamic = asFields(combined.validation_context_sds_secret_config);
    if (!dynamic) reject(`${field}.validation_context_sds_secret_config`, 'is missing');
    // The secret's trusted CA over the default's, as Envoy merges the two.
    return { ...defaults, trustedCa: fromSds(dynamic, `${field}.validation_context_sds_secret_config`).trustedCa ?? defaults.trustedCa };
  }
  return undefined;
}

function serverValidation(common: Fields, at: string): ServerValidation | undefined {
  const v = readValidationSource(common, at, validationContext, fromSds);
  if (!v) return undefined;
  if (v.trustedCa === undefined) {
    if (v.sans.length > 0) reject(`${at}.validation_context`, 'SAN matching without a trusted CA is insecure and not allowed (as in Envoy); add trusted_ca');
    if (v.hashes.length + v.spkis.length > 0) reject(`${at}.validation_context`, 'certificate hash/SPKI pinning without a trusted CA is not supported; add trusted_ca');
    // An empty validation context verifies nothing, as in Envoy.
    return undefined;
  }
  return { trustedCa: v.trustedCa, sans: v.sans, hashes: v.hashes, spkis: v.spkis };
}

function fromSds(config: Fields, field: string): PartialValidation {
  const secret = localSdsSecret(config, field, 'validation_context');
  return { ...(secret.kind === 'validation_context' ? { trustedCa: secret.trustedCa } : {}), sans: [], hashes: [], spkis: [] };
}

const SAN_TYPES = new Set<string>(['DNS', 'URI', 'EMAIL', 'IP_ADDRESS']);

function validationContext(v: Fields, field: string): PartialValidation {
  for (const key of Object.keys(v)) {
    if (!VALIDATION_FIELDS.has(key)) {
      const why = key === 'ca_certificate_provider_instance' ? 'certificate providers are for proxyless gRPC; use trusted_ca or an SDS name' : 'is not supported';
      reject(`${field}.${key}`, why);
    }
  }
  if (v.trust_chain_verification !== undefined && v.trust_chain_verification !== 'VERIFY_TRUST_CHAIN') {
    reject(`${field}.trust_chain_verification`, `${String(v.trust_chain_verification)} is not supported; the chain is always verified against trusted_ca`);
  }
  if (v.allow_expired_certificate === true) reject(`${field}.allow_expired_certificate`, 'is not supported');
  if (wrapped(v.require_signed_certificate_timestamp) === 1) reject(`${field}.require_signed_certificate_timestamp`, 'is not supported');
  const out: PartialValidation = { sans: [], hashes: [], spkis: [] };
  if (v.trusted_ca !== undefined && v.system_root_certs !== undefined) reject(`${field}.system_root_certs`, 'cannot be combined with trusted_ca');
  if (v.trusted_ca !== undefined) out.trustedCa = dataSource(v.trusted_ca, `${field}.trusted_ca`);
  if (v.system_root_certs !== undefined) out.trustedCa = 'system';
  Object.assign(out, readCertificateMatchers(v, field));
  return out;
}

/**
 * The peer-certificate checks of a CertificateValidationContext that upstream (server) and
 * downstream (client) verification share: SAN matchers, certificate hashes and SPKI pins.
 */
export function readCertificateMatchers(v: Fields, field: string): Pick<ServerValidation, 'sans' | 'hashes' | 'spkis'> {
  const out: Pick<ServerValidation, 'sans' | 'hashes' | 'spkis'> = { sans: [], hashes: [], spkis: [] };
  list(v.match_typed_subject_alt_names).forEach((m, i) => {
    const at = `${field}.match_typed_subject_alt_names[${i}]`;
    const type = String(m.san_type ?? 'SAN_TYPE_UNSPECIFIED');
    if (!SAN_TYPES.has(type)) reject(`${at}.san_type`, `${type} is not supported (DNS, URI, EMAIL, IP_ADDRESS)`);
    out.sans.push({ type: type as SanType, matcher: stringMatcher(m.matcher, `${at}.matcher`) });
  });
  list(v.match_subject_alt_names).forEach((m, i) => out.sans.push({ type: 'ANY', matcher: stringMatcher(m, `${field}.match_subject_alt_names[${i}]`) }));
  (Array.isArray(v.verify_certificate_hash) ? v.verify_certificate_hash : []).forEach((h, i) => {
    const hex = String(h).replace(/:/g, '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) reject(`${field}.verify_certificate_hash[${i}]`, `"${String(h)}" is not a SHA-256 hash in hex`);
    out.hashes.push(hex);
  });
  (Array.isArray(v.verify_certificate_spki) ? v.verify_certificate_spki : []).forEach((s, i) => {
    if (Buffer.from(String(s), 'base64').length !== 32) reject(`${field}.verify_certificate_spki[${i}]`, `"${String(s)}" is not a base64 SHA-256 hash`);
    out.spkis.push(String(s));
  });
  return out;
}

export function stringMatcher(value: unknown, field: string): Fields {
  const m = asFields(value);
  if (!m) return reject(field, 'is missing');
  const kinds = ['exact', 'prefix', 'suffix', 'contains', 'safe_regex'].filter((k) => m[k] !== undefined);
  if (kinds.length !== 1) reject(field, m.custom !== undefined ? 'custom matchers are not supported' : 'needs exactly one of exact, prefix, suffix, contains, safe_regex');
  const re = asFields(m.safe_regex);
  if (re) {
    try {
      regexMatches(String(re.regex ?? ''), '');
    } catch (err) {
      reject(`${field}.safe_regex.regex`, `is not a valid RE2 regex: ${(err as Error).message}`);
    }
  }
  return m;
}
