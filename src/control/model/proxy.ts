// A connected xDS client as the control plane sees it: which kind of client it is and who it
// is, read from the xDS `Node` it sends (id, metadata, locality).

/**
 * - `sidecar`: an Isthmus proxy next to a workload.
 * - `router`: a gateway proxy (Istio's node id prefix `router~`).
 * - `proxyless`: a gRPC library client (`@grpc/grpc-js-xds` etc.) that asks for `host:port`
 *   listeners itself; it says so with metadata `GENERATOR: grpc`, as Istio's bootstrap does.
 */
export type ProxyType = 'sidecar' | 'router' | 'proxyless';

export interface Locality {
  region?: string;
  zone?: string;
  subZone?: string;
}

export interface ProxyNode {
  /** The xDS node id, e.g. `sidecar~127.0.0.1~reviews-v1.default~default.svc.cluster.local`. */
  id: string;
  type: ProxyType;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount?: string;
  /** Addresses the workload is reachable on (metadata INSTANCE_IPS). */
  ips: string[];
  locality?: Locality;
  /**
   * A workload registering itself when its proxy connects (VM-style), from metadata
   * ISTHMUS_SERVICE (service name) and ISTHMUS_PORTS ({portName: number}).
   */
  registration?: { service: string; ports: Record<string, number>; address: string };
  /**
   * The port of the HTTP-proxy-mode listener this proxy asks for (node metadata HTTP_PROXY_PORT
   * or PROXY_CONFIG.proxyHttpPort); 0 turns it off even when the mesh sets one. Unset: the
   * mesh's `proxyHttpPort` decides.
   */
  httpProxyPort?: number;
  /** The raw node metadata, for fields not modelled here. */
  metadata: Record<string, unknown>;
}
