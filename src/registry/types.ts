// The service registry's data model: services and the endpoints behind them, as the control
// plane sees them after merging ServiceEntry, WorkloadEntry and self-registered workloads.
// Every value here is part of an immutable snapshot; a change produces a new snapshot.

import type { Protocol } from '../api/networking/protocol.js';

/** Port protocols as Istio names them (the API's list); `TCP` is what an unrecognised port name falls back to. */
export type PortProtocol = Protocol;

export interface ServicePort {
  name: string;
  /** The port clients address the service on. */
  port: number;
  protocol: PortProtocol;
}

export type Resolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'DYNAMIC_DNS';
export type Location = 'MESH_INTERNAL' | 'MESH_EXTERNAL';

/** Where a service came from, for debugging and for `affects`. */
export type ServiceOrigin = 'ServiceEntry' | 'WorkloadEntry' | 'registration';

export interface Service {
  /** Fully-qualified host, possibly a wildcard (`*.example.com`) for ServiceEntries. */
  hostname: string;
  namespace: string;
  ports: readonly ServicePort[];
  resolution: Resolution;
  location: Location;
  /**
   * Namespaces the service is visible to, normalised: `['*']` everywhere, `[]` nowhere (`~`),
   * otherwise namespace names (`.` already replaced by the service's own namespace).
   */
  exportTo: readonly string[];
  addresses: readonly string[];
  subjectAltNames: readonly string[];
  origin: ServiceOrigin;
  /** `Kind/namespace/name` of the resource that defined it, or the proxy id. */
  source: string;
}

export type EndpointHealth = 'HEALTHY' | 'UNHEALTHY' | 'DRAINING';

/** One endpoint of one service port. */
export interface Endpoint {
  /** An IP, or a DNS name for DNS-resolved services. */
  address: string;
  /** The port the workload listens on (the target port). */
  port: number;
  /** The service port this endpoint serves. */
  servicePort: number;
  servicePortName: string;
  labels: Readonly<Record<string, string>>;
  /** `region/zone/subzone`, or "" when unknown. */
  locality: string;
  weight: number;
  health: EndpointHealth;
  serviceAccount?: string;
  network?: string;
  /** The workload this endpoint belongs to: `WorkloadEntry/ns/name`, a proxy id, or `ServiceEntry/ns/name#i`. */
  workload: string;
}

/** A workload known to the registry: a WorkloadEntry or a proxy that registered itself. */
export interface WorkloadInstance {
  key: string;
  namespace: string;
  address: string;
  ports: Readonly<Record<string, number>>;
  labels: Readonly<Record<string, string>>;
  locality: string;
  weight: number;
  health: EndpointHealth;
  serviceAccount?: string;
  network?: string;
  /** The service it names (registration.service, or label `app`), for implied services. */
  serviceName?: string;
  origin: 'WorkloadEntry' | 'registration';
}

export interface RegistrySnapshot {
  /** Increases with every change. */
  readonly version: number;
  readonly services: readonly Service[];
  /** Endpoints by `serviceKey(service)`. */
  readonly endpoints: ReadonlyMap<string, readonly Endpoint[]>;
  readonly workloads: readonly WorkloadInstance[];
}

/** A service's identity in the registry: the same host may be defined in several namespaces. */
export function serviceKey(s: { namespace: string; hostname: string }): string {
  return `${s.namespace}/${s.hostname}`;
}
