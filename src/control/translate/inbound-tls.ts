// PeerAuthentication → the filter chains of a sidecar's inbound listener, as Istio builds them:
//  - STRICT: one chain that terminates mutual TLS (the workload certificate `default`, peers
//    verified against the mesh root `ROOTCA`, a client certificate required) — plaintext fails
//    the handshake;
//  - PERMISSIVE (the default): that chain, chosen by a ClientHello that offers one of Istio's
//    mesh ALPN values (which mesh clients send, tls.ts), plus a plaintext chain for `raw_buffer`
//    connections — one port serves both, the proxy sniffing the first bytes to choose; a TCP
//    port also passes other TLS (the app's own) through untouched, as Istio's does;
//  - DISABLE: plaintext only (today's single chain).
// Only a sidecar with a mesh identity gets TLS chains: one without a certificate cannot present
// one, so it keeps its plaintext chain whatever the policy says.
import { hasMeshIdentity } from '../model/mesh-identity.js';
import type { MtlsMode } from '../model/peer-authentication-index.js';
import type { TranslateContext } from './context.js';
import { SDS_ROOT, SDS_WORKLOAD } from './names.js';
import { adsConfigSource, any, bool } from './proto.js';
import { EXT, FILTER } from './type-urls.js';

type Fields = Record<string, unknown>;

/** ALPN values a mesh client's ClientHello carries (Istio's mTLS chain match). */
export const MESH_MTLS_ALPN: readonly string[] = ['istio-peer-exchange', 'istio', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2'];

/** What the mTLS chain offers: HTTP's protocols; a TCP chain also the metadata-exchange value, as Istio's. */
const HTTP_ALPN = ['h2', 'http/1.1'];
const TCP_ALPN = ['istio-peer-exchange', 'h2', 'http/1.1'];

function sds(name: string): Fields {
  return { name, sds_config: adsConfigSource() };
}

/** The transport_socket of an inbound mTLS chain. */
export function inboundMtlsSocket(http: boolean): Fields {
  const context = {
    common_tls_context: {
      tls_certificate_sds_secret_configs: [sds(SDS_WORKLOAD)],
      combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: sds(SDS_ROOT) },
      alpn_protocols: http ? HTTP_ALPN : TCP_ALPN,
    },
    require_client_certificate: bool(true),
  };
  return { name: FILTER.TLS, typed_config: any(EXT.DOWNSTREAM_TLS, context) };
}

/** The mode the proxy's port runs in: its PeerAuthentication, or DISABLE when it has no identity. */
export function inboundMtlsMode(ctx: TranslateContext, port: number): MtlsMode {
  if (!hasMeshIdentity(ctx.proxy.labels)) return 'DISABLE';
  return ctx.push.peerAuthenticationMode(ctx.proxy.namespace, ctx.proxy.labels, port);
}

export interface InboundChains {
  chains: Fields[];
  /** Some chain matches on the ClientHello: the listener needs the TLS inspector. */
  inspectsTls: boolean;
}

/** The listener's chains for a port in `mode`, around the chain that serves the app (`plain`). */
export function inboundChains(mode: MtlsMode, plain: Fields, http: boolean): InboundChains {
  if (mode === 'DISABLE') return { chains: [plain], inspectsTls: false };
  const mtls = { ...plain, transport_socket: inboundMtlsSocket(http) };
  if (mode === 'STRICT') return { chains: [mtls], inspectsTls: false };
  const chains = [
    { filter_chain_match: { transport_protocol: 'tls', application_protocols: [...MESH_MTLS_ALPN] }, ...mtls },
    { filter_chain_match: { transport_protocol: 'raw_buffer' }, ...plain },
  ];
  if (!http) chains.push({ filter_chain_match: { transport_protocol: 'tls' }, ...plain });
  return { chains, inspectsTls: true };
}

/** The listener filter that reads the ClientHello before a chain is chosen. */
export function tlsInspector(): Fields {
  return { name: 'envoy.filters.listener.tls_inspector', typed_config: any(EXT.TLS_INSPECTOR) };
}
