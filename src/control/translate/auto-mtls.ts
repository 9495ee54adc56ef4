// Istio's auto mutual TLS (MeshConfig enableAutoMtls, on by default): a cluster whose
// DestinationRule says nothing about TLS talks ISTIO_MUTUAL to the endpoints that can answer it
// and plaintext to the rest. The cluster carries both sockets as transport_socket_matches and
// each endpoint says which one it takes through its metadata (`envoy.transport_socket_match`
// `{tlsMode: istio}`), so one cluster may mix sidecars with identity and workloads without.
//
// Only a client with a mesh identity does this: one without a certificate could not present it,
// so its clusters stay as they were (plaintext), byte for byte.
import { structProto } from '../xds/protos.js';
import { hasMeshIdentity, TLS_MODE_ISTIO } from '../model/mesh-identity.js';
import type { Endpoint, Service } from '../../registry/types.js';
import type { ClientTLSSettings } from '../../api/networking/destination-rule.js';
import type { TranslateContext } from './context.js';
import { any } from './proto.js';

type Fields = Record<string, unknown>;

/** The endpoint metadata namespace Envoy matches transport_socket_matches against. */
export const TRANSPORT_SOCKET_MATCH = 'envoy.transport_socket_match';

const RAW_BUFFER_SOCKET = 'envoy.transport_sockets.raw_buffer';
const RAW_BUFFER_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

/**
 * Whether the proxy's cluster for `service` uses auto mTLS: the mesh enables it, the proxy has an
 * identity, the DestinationRule sets no `tls`, the service is inside the mesh, and what the
 * client can know of the servers' PeerAuthentication (namespace, else mesh) is not DISABLE —
 * Istio's BestEffortInferServiceMTLSMode. Workload-level DISABLE is decided per endpoint.
 */
export function usesAutoMtls(ctx: TranslateContext, service: Service, tls: ClientTLSSettings | undefined): boolean {
  return ctx.kind !== 'proxyless'
    && ctx.push.mesh.enableAutoMtls
    && tls === undefined
    && hasMeshIdentity(ctx.proxy.labels)
    && service.location !== 'MESH_EXTERNAL'
    && ctx.push.namespacePeerAuthenticationMode(service.namespace) !== 'DISABLE';
}

/** The cluster's two sockets: ISTIO_MUTUAL for endpoints marked `tlsMode: istio`, plaintext for the rest. */
export function autoMtlsSocketMatches(mutualTls: Fields): Fields[] {
  return [
    { name: 'tlsMode-istio', match: structProto({ tlsMode: TLS_MODE_ISTIO }), transport_socket: mutualTls },
    { name: 'tlsMode-disabled', match: structProto({}), transport_socket: { name: RAW_BUFFER_SOCKET, typed_config: any(RAW_BUFFER_TYPE) } },
  ];
}

/**
 * Whether an endpoint of `service` takes mesh mTLS: its workload holds an identity and its own
 * PeerAuthentication for the port (workload selector and portLevelMtls included — the manager
 * knows the endpoint's labels) is not DISABLE. Workloads live in their service's namespace.
 */
export function endpointTakesMtls(ctx: TranslateContext, service: Service, e: Endpoint): boolean {
  return hasMeshIdentity(e.labels) && ctx.push.peerAuthenticationMode(service.namespace, e.labels, e.port) !== 'DISABLE';
}

/** The `address:port` keys of the endpoints that take mesh mTLS, sorted (a stable cache key). */
export function mtlsEndpointKeys(ctx: TranslateContext, service: Service, eps: readonly Endpoint[]): string[] {
  return [...new Set(eps.filter((e) => endpointTakesMtls(ctx, service, e)).map((e) => `${e.address}:${e.port}`))].sort();
}

/** The lb_endpoint metadata that selects the `tlsMode-istio` socket. */
export function mtlsEndpointMetadata(): Fields {
  return { filter_metadata: { [TRANSPORT_SOCKET_MATCH]: structProto({ tlsMode: TLS_MODE_ISTIO }) } };
}
