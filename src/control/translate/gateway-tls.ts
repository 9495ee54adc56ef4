// A Gateway server's `tls` → the DownstreamTlsContext its filter chain terminates TLS with, in
// Istio's shape. Certificates never appear inline: the proxy fetches them by SDS name —
// `file-cert:<chain>~<key>` / `file-root:<ca>` for files on the gateway (Istio's agent reads
// those; so does the Isthmus proxy), `kubernetes://<credentialName>` (and `-cacert`) for secrets,
// `default` / `ROOTCA` for ISTIO_MUTUAL's mesh identity.
import type { Server } from '../../api/networking/gateway.js';
import { SDS_ROOT, SDS_WORKLOAD } from './names.js';
import { adsConfigSource, any, bool } from './proto.js';
import { EXT, FILTER } from './type-urls.js';

type Fields = Record<string, unknown>;
type ServerTls = NonNullable<Server['tls']>;

/** Istio's default for gateway chains: a client that stalls its handshake is cut off after 15 s. */
export const GATEWAY_HANDSHAKE_TIMEOUT = { seconds: 15, nanos: 0 };

function sds(name: string): Fields {
  return { name, sds_config: adsConfigSource() };
}

/** The certificate SDS names, one per certificate (an RSA and an ECDSA one may be paired). */
function certificateNames(tls: ServerTls): string[] {
  if (tls.mode === 'ISTIO_MUTUAL') return [SDS_WORKLOAD];
  if (tls.credentialNames?.length) return tls.credentialNames.map((n) => `kubernetes://${n}`);
  if (tls.credentialName) return [`kubernetes://${tls.credentialName}`];
  if (tls.tlsCertificates?.length) return tls.tlsCertificates.map((c) => `file-cert:${c.serverCertificate ?? ''}~${c.privateKey ?? ''}`);
  return [`file-cert:${tls.serverCertificate ?? ''}~${tls.privateKey ?? ''}`];
}

/** The client CA's SDS name; Istio falls back to the mesh root when no CA is named. */
function rootName(tls: ServerTls): string {
  if (tls.mode === 'ISTIO_MUTUAL') return SDS_ROOT;
  const credential = tls.credentialName ?? tls.credentialNames?.[0];
  if (credential) return `kubernetes://${credential}-cacert`;
  return tls.caCertificates ? `file-root:${tls.caCertificates}` : SDS_ROOT;
}

/** ServerTLSSettings' protocol versions are spelled TLSV1_2; Envoy's enum is TLSv1_2. */
function envoyTlsVersion(v: string): string {
  return v === 'TLS_AUTO' ? v : v.replace('TLSV', 'TLSv');
}

function tlsParams(tls: ServerTls): Fields | undefined {
  const params: Fields = {};
  if (tls.minProtocolVersion && tls.minProtocolVersion !== 'TLS_AUTO') params.tls_minimum_protocol_version = envoyTlsVersion(tls.minProtocolVersion);
  if (tls.maxProtocolVersion && tls.maxProtocolVersion !== 'TLS_AUTO') params.tls_maximum_protocol_version = envoyTlsVersion(tls.maxProtocolVersion);
  if (tls.cipherSuites?.length) params.cipher_suites = [...new Set(tls.cipherSuites)];
  return Object.keys(params).length ? params : undefined;
}

/** The transport_socket of an HTTPS server's filter chain. */
export function downstreamTls(tls: ServerTls): Fields {
  const mode = tls.mode ?? 'PASSTHROUGH';
  const common: Fields = { tls_certificate_sds_secret_configs: certificateNames(tls).map(sds), alpn_protocols: ['h2', 'http/1.1'] };
  const requireClient = mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL';
  if (requireClient || mode === 'OPTIONAL_MUTUAL') {
    // Istio's form: fixed checks in the default context, the CA from SDS.
    const defaults: Fields = {};
    if (tls.subjectAltNames?.length) defaults.match_subject_alt_names = tls.subjectAltNames.map((exact) => ({ exact }));
    if (tls.verifyCertificateSpki?.length) defaults.verify_certificate_spki = tls.verifyCertificateSpki;
    if (tls.verifyCertificateHash?.length) defaults.verify_certificate_hash = tls.verifyCertificateHash;
    if (tls.caCrl) defaults.crl = { filename: tls.caCrl };
    common.combined_validation_context = { default_validation_context: defaults, validation_context_sds_secret_config: sds(rootName(tls)) };
  }
  if (mode !== 'ISTIO_MUTUAL') {
    const params = tlsParams(tls);
    if (params) common.tls_params = params;
  }
  const context: Fields = { common_tls_context: common, require_client_certificate: bool(requireClient) };
  return { name: FILTER.TLS, typed_config: any(EXT.DOWNSTREAM_TLS, context) };
}

/**
 * SNI names for a server's chain: its hosts without the namespace part (`*.example.com` stays a
 * wildcard, as Envoy matches it). A `*` host serves any name, so the chain matches on none.
 */
export function serverSniNames(server: Server): string[] {
  const names = server.hosts.map((h) => h.slice(h.indexOf('/') + 1));
  if (names.includes('*')) return [];
  return [...new Set(names)].sort();
}
