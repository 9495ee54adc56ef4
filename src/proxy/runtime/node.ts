// The xDS node a proxy presents: an Istio-style id and the metadata the manager reads to
// register the workload (ISTHMUS_SERVICE, ISTHMUS_PORTS, ISTHMUS_APP_PORTS), scope its config
// (NAMESPACE, LABELS) and decide its listeners (PROXY_CONFIG.proxyHttpPort, as Istio's agent
// puts ProxyConfig there).
import type { JsonValue } from '../../control/xds/struct.js';
import type { XdsNode } from '../xds-client/index.js';

export interface ProxyIdentity {
  type: 'sidecar' | 'gateway';
  service: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount?: string;
  ip: string;
  /** The registered port's name; its prefix gives the protocol (http, grpc, tcp …). */
  portName: string;
  /** The port peers reach the workload on (the inbound listener). */
  inboundPort: number;
  /** Where the application listens on loopback; without it nothing is registered. */
  appPort?: number;
  /** HTTP-proxy port for the application's HTTP_PROXY; 0 = none. */
  outboundPort: number;
  /** region/zone/subzone */
  locality?: string;
}

export function proxyNode(id: ProxyIdentity): XdsNode {
  const workload = `${id.service}-${process.pid}`;
  const metadata: Record<string, JsonValue> = {
    NAMESPACE: id.namespace,
    NAME: workload,
    WORKLOAD_NAME: id.service,
    LABELS: { app: id.service, ...id.labels },
    INSTANCE_IPS: id.ip,
  };
  if (id.serviceAccount) metadata.SERVICE_ACCOUNT = id.serviceAccount;
  if (id.appPort !== undefined && id.type === 'sidecar') {
    metadata.ISTHMUS_SERVICE = id.service;
    metadata.ISTHMUS_PORTS = { [id.portName]: id.inboundPort };
    metadata.ISTHMUS_APP_PORTS = { [id.portName]: id.appPort };
  }
  if (id.outboundPort > 0) metadata.PROXY_CONFIG = { proxyHttpPort: id.outboundPort };
  const node: XdsNode = {
    id: `${id.type === 'gateway' ? 'router' : 'sidecar'}~${id.ip}~${workload}.${id.namespace}~${id.namespace}.svc.cluster.local`,
    cluster: id.service,
    metadata,
  };
  if (id.locality) {
    const [region, zone, subZone] = id.locality.split('/');
    node.locality = { ...(region ? { region } : {}), ...(zone ? { zone } : {}), ...(subZone ? { sub_zone: subZone } : {}) };
  }
  return node;
}

/**
 * Tells the manager where this proxy's admin port is (metadata ISTHMUS_ADMIN, `host:port`), so
 * `isthmus proxy-config` can find it from the proxy id. Set once the admin server is bound
 * (`--admin-port 0` is known only then) and before the xDS stream starts, which first sends it.
 */
export function advertiseAdmin(node: XdsNode, address: string): void {
  node.metadata = { ...node.metadata, ISTHMUS_ADMIN: address };
}
