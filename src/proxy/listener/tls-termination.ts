// Reading a filter chain's transport_socket (envoy.transport_sockets.tls with a
// DownstreamTlsContext) into DownstreamTlsSettings: the certificates the proxy presents, the
// ALPN it offers, and whether and how it verifies client certificates. This runs at LDS time, so
// anything the proxy could not honour — an SDS name it cannot resolve, the
// mesh names on a proxy without a workload identity, an option Node's TLS has no equivalent
// for — is rejected and the listener NACKed, rather than the chain serving plaintext or checking
// less than it was told to.
// Envoy semantics followed:
//  - secrets by SDS name `file-cert:<chain>~<key>` / `file-root:<ca>` (read from local files, as
//    Istio's agent does), `default` / `ROOTCA` (the workload certificate and mesh trust bundle
//    from the identity agent: an inbound ISTIO_MUTUAL chain; upstream/sds-local.ts),
//    `kubernetes://<name>` (a Gateway credential the control plane sends over SDS), or inline
//    DataSources;
//  - a validation context with a trusted CA asks every client for a certificate and checks the
//    chain, the SAN matchers and the hash / SPKI pins of one that is presented;
//    require_client_certificate turns "asks" into "requires";
//  - no alpn_protocols: what the chain's terminal speaks (an HTTP connection manager h2 and
//    http/1.1 by its codec) — Envoy would negotiate nothing and let the codec sniff;
//  - transport_socket_connect_timeout bounds the handshake (default 15 s, Istio's gateway value;
//    Envoy's default is none).
import { dataSource, localSdsSecret, type SecretSource } from '../upstream/sds-local.js';
import { readTlsParams, type TlsParams } from '../upstream/tls-params.js';
import { readCertificateMatchers, readValidationSource, type SanMatcher } from '../upstream/tls-config.js';
import { asFields, durationMs, list, reject, wrapped, type Fields } from '../xds-client/fields.js';

export const DOWNSTREAM_TLS_CONTEXT_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const TLS_SOCKET = 'envoy.transport_sockets.tls';
const RAW_BUFFER_SOCKET = 'envoy.transport_sockets.raw_buffer';
const RAW_BUFFER_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

/** How long a client may take over its handshake when the chain does not say. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;

export type ServerCertificate =
  | { chain: SecretSource; key: SecretSource; password?: SecretSource }
  | { pkcs12: SecretSource; password?: SecretSource };

export interface ClientValidation {
  trustedCa: SecretSource;
  crl?: SecretSource;
  sans: SanMatcher[];
  /** SHA-256 of the certificate, lowercase hex without colons. */
  hashes: string[];
  /** SHA-256 of the SubjectPublicKeyInfo, base64. */
  spkis: string[];
}

export interface DownstreamTlsSettings {
  /** At least one; with several, OpenSSL picks by key type and the client's signature algorithms. */
  certificates: ServerCertificate[];
  /** Offered in preference order; empty = no ALPN. */
  alpn: string[];
  /** Absent: no client certificate is asked for. */
  clientValidation?: ClientValidation;
  requireClientCertificate: boolean;
  /** require_sni: a ClientHello without a server name is refused. */
  requireSni: boolean;
  params: TlsParams;
  /** session_timeout, in seconds. */
  sessionTimeoutS?: number;
  /** disable_stateless_session_resumption: no session tickets. */
  disableTickets: boolean;
  handshakeTimeoutMs: number;
}

/**
 * The chain's TLS termination, or undefined for plaintext (no transport_socket, or raw_buffer).
 * `defaultAlpn`: what to offer when alpn_protocols is empty. Throws ResourceRejected.
 */
export function readDownstreamTls(chain: Fields, field: string, defaultAlpn: readonly string[]): DownstreamTlsSettings | undefined {
  const socket = asFields(chain.transport_socket);
  if (!socket) return undefined;
  const at = `${field}.transport_socket`;
  const name = typeof socket.name === 'string' ? socket.name : '';
  const typed = asFields(socket.typed_config);
  // protobufjs leaves an Any of a type it does not know as {type_url, value}.
  const type = typed ? String(typed['@type'] ?? typed.type_url ?? '') : '';
  if (type === RAW_BUFFER_TYPE || (!typed && name === RAW_BUFFER_SOCKET)) return undefined;
  if (type !== DOWNSTREAM_TLS_CONTEXT_TYPE) {
    reject(at, `${name || type || 'an unnamed socket'}${type && name ? ` (${type})` : ''} is not supported; only ${TLS_SOCKET} with a DownstreamTlsContext, or raw_buffer`);
  }
  const settings = downstreamTlsContext(typed!, `${at}.typed_config`, defaultAlpn);
  const timeout = durationMs(chain.transport_socket_connect_timeout);
  if (timeout !== undefined && timeout > 0) settings.handshakeTimeoutMs = timeout;
  return settings;
}

const CONTEXT_FIELDS = new Set([
  '@type', 'common_tls_context', 'require_client_certificate', 'require_sni', 'session_timeout',
  'disable_stateless_session_resumption', 'disable_stateful_session_resumption', 'ocsp_staple_policy', 'full_scan_certs_on_sni_mismatch',
]);

function downstreamTlsContext(ctx: Fields, field: string, defaultAlpn: readonly string[]): DownstreamTlsSettings {
  for (const key of Object.keys(ctx)) {
    if (CONTEXT_FIELDS.has(key)) continue;
    const why = key.startsWith('session_ticket_keys') ? 'is not supported; the proxy makes its own session ticket keys' : 'is not supported';
    reject(`${field}.${key}`, why);
  }
  if (ctx.ocsp_staple_policy !== undefined && ctx.ocsp_staple_policy !== 'LENIENT_STAPLING') {
    reject(`${field}.ocsp_staple_policy`, `${String(ctx.ocsp_staple_policy)} is not supported; the proxy staples no OCSP responses`);
  }
  // Envoy's full scan picks a certificate by SNI among many; the proxy's pick is OpenSSL's.
  if (wrapped(ctx.full_scan_certs_on_sni_mismatch) === 1) reject(`${field}.full_scan_certs_on_sni_mismatch`, 'is not supported');
  const common = asFields(ctx.common_tls_context) ?? {};
  const at = `${field}.common_tls_context`;
  checkCommonFields(common, at);
  const certificates = serverCertificates(common, at);
  const clientValidation = readClientValidation(common, at);
  const requireClientCertificate = wrapped(ctx.require_client_certificate) === 1;
  if (requireClientCertificate && !clientValidation) {
    reject(`${field}.require_client_certificate`, 'needs a validation context with a trusted CA to verify client certificates against');
  }
  const alpn = (Array.isArray(common.alpn_protocols) ? common.alpn_protocols : []).map(String);
  const session = durationMs(ctx.session_timeout);
  return {
    certificates,
    alpn: alpn.length > 0 ? alpn : [...defaultAlpn],
    ...(clientValidation ? { clientValidation } : {}),
    requireClientCertificate,
    requireSni: wrapped(ctx.require_sni) === 1,
    params: readTlsParams(asFields(common.tls_params), `${at}.tls_params`, { rejectUnknown: true }),
    ...(session !== undefined && session > 0 ? { sessionTimeoutS: Math.max(1, Math.round(session / 1000)) } : {}),
    disableTickets: ctx.disable_stateless_session_resumption === true,
    handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
  };
}

const COMMON_FIELDS = new Set([
  'tls_params', 'tls_certificates', 'tls_certificate_sds_secret_configs', 'validation_context',
  'validation_context_sds_secret_config', 'combined_validation_context', 'alpn_protocols',
]);

function checkCommonFields(common: Fields, at: string): void {
  for (const key of Object.keys(common)) {
    if (COMMON_FIELDS.has(key)) continue;
    const why = key.includes('provider') ? 'certificate providers are for proxyless gRPC; the proxy reads certificates from files or SDS names' : 'is not supported';
    reject(`${at}.${key}`, why);
  }
}

/** An SDS name: resolved in the proxy, or (a Gateway credentialName) received over SDS. */
function sdsSecret(config: Fields, field: string, want: 'tls_certificate' | 'validation_context') {
  return localSdsSecret(config, field, want);
}

const CERTIFICATE_FIELDS = new Set(['certificate_chain', 'private_key', 'password', 'pkcs12']);

function serverCertificates(common: Fields, at: string): ServerCertificate[] {
  const out: ServerCertificate[] = [];
  list(common.tls_certificate_sds_secret_configs).forEach((c, i) => {
    const secret = sdsSecret(c, `${at}.tls_certificate_sds_secret_configs[${i}]`, 'tls_certificate');
    if (secret.kind === 'tls_certificate') out.push({ chain: secret.chain, key: secret.key });
  });
  list(common.tls_certificates).forEach((c, i) => {
    const field = `${at}.tls_certificates[${i}]`;
    for (const key of Object.keys(c)) if (!CERTIFICATE_FIELDS.has(key)) reject(`${field}.${key}`, 'is not supported');
    const password = c.password === undefined ? undefined : dataSource(c.password, `${field}.password`);
    if (c.pkcs12 !== undefined) {
      if (c.certificate_chain !== undefined || c.private_key !== undefined) reject(`${field}.pkcs12`, 'cannot be combined with certificate_chain/private_key');
      out.push({ pkcs12: dataSource(c.pkcs12, `${field}.pkcs12`), ...(password ? { password } : {}) });
      return;
    }
    out.push({ chain: dataSource(c.certificate_chain, `${field}.certificate_chain`), key: dataSource(c.private_key, `${field}.private_key`), ...(password ? { password } : {}) });
  });
  if (out.length === 0) reject(`${at}.tls_certificates`, 'a TLS-terminating chain needs a certificate (tls_certificates or tls_certificate_sds_secret_configs)');
  return out;
}

const VALIDATION_FIELDS = new Set([
  'trusted_ca', 'crl', 'match_typed_subject_alt_names', 'match_subject_alt_names', 'verify_certificate_spki', 'verify_certificate_hash',
  'trust_chain_verification', 'allow_expired_certificate', 'only_verify_leaf_cert_crl', 'require_signed_certificate_timestamp',
]);

type PartialValidation = Omit<ClientValidation, 'trustedCa'> & { trustedCa?: SecretSource };

function readClientValidation(common: Fields, at: string): ClientValidation | undefined {
  const v = readValidationSource(common, at, validationContext, fromSds);
  if (!v) return undefined;
  if (v.trustedCa === undefined) {
    if (v.sans.length + v.hashes.length + v.spkis.length > 0 || v.crl) {
      reject(`${at}.validation_context`, 'client certificate checks without a trusted CA are not supported; add trusted_ca');
    }
    // An empty validation context asks for nothing, as in Envoy.
    return undefined;
  }
  return { ...v, trustedCa: v.trustedCa };
}

function fromSds(config: Fields, field: string): PartialValidation {
  const secret = sdsSecret(config, field, 'validation_context');
  return { ...(secret.kind === 'validation_context' ? { trustedCa: secret.trustedCa } : {}), sans: [], hashes: [], spkis: [] };
}


function validationContext(v: Fields, field: string): PartialValidation {
  for (const key of Object.keys(v)) {
    if (VALIDATION_FIELDS.has(key)) continue;
    const why = key === 'system_root_certs' ? 'client certificates are verified against trusted_ca, not the system roots'
      : key === 'ca_certificate_provider_instance' ? 'certificate providers are for proxyless gRPC; use trusted_ca or an SDS name' : 'is not supported';
    reject(`${field}.${key}`, why);
  }
  if (v.trust_chain_verification !== undefined && v.trust_chain_verification !== 'VERIFY_TRUST_CHAIN') {
    reject(`${field}.trust_chain_verification`, `${String(v.trust_chain_verification)} is not supported; the chain is always verified against trusted_ca`);
  }
  if (v.allow_expired_certificate === true) reject(`${field}.allow_expired_certificate`, 'is not supported');
  // OpenSSL, as Node drives it, checks CRLs along the whole chain.
  if (v.only_verify_leaf_cert_crl === true) reject(`${field}.only_verify_leaf_cert_crl`, 'is not supported; a CRL is checked for every certificate of the chain');
  if (wrapped(v.require_signed_certificate_timestamp) === 1) reject(`${field}.require_signed_certificate_timestamp`, 'is not supported');
  const out: PartialValidation = { sans: [], hashes: [], spkis: [] };
  if (v.trusted_ca !== undefined) out.trustedCa = dataSource(v.trusted_ca, `${field}.trusted_ca`);
  if (v.crl !== undefined) out.crl = dataSource(v.crl, `${field}.crl`);
  Object.assign(out, readCertificateMatchers(v, field));
  return out;
}

