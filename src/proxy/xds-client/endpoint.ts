// EDS: a ClusterLoadAssignment becomes the flat list of endpoints the proxy balances over, each
// with its address, weight, health and locality priority.
import { TYPE_URL } from '../../control/xds/resource.js';
import { structToJson, type JsonValue } from '../../control/xds/struct.js';
import { asFields, decodeResource, list, reject, socketAddress, wrapped, type AnyResource, type Decoded, type Fields } from './fields.js';

export type HealthStatus = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

export interface Endpoint {
  host: string;
  port: number;
  /** load_balancing_weight (1 when unset, as in Envoy). */
  weight: number;
  health: HealthStatus;
  /** The locality's priority: 0 is used first. */
  priority: number;
  locality: { region?: string; zone?: string; subZone?: string };
  /** metadata.filter_metadata["envoy.transport_socket_match"]: picks the cluster's transport socket for this endpoint. */
  socketMatch?: Record<string, JsonValue>;
}

const SOCKET_MATCH_KEY = 'envoy.transport_socket_match';

export interface EndpointAssignment {
  clusterName: string;
  endpoints: Endpoint[];
}

const HEALTH = new Set<string>(['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED']);

/** The endpoints of a ClusterLoadAssignment in object form; `field` prefixes reasons. */
export function decodeAssignment(cla: Fields, field: string): EndpointAssignment {
  const endpoints: Endpoint[] = [];
  const at = (suffix: string) => (field === '' ? suffix : `${field}.${suffix}`);
  list(cla.endpoints).forEach((group, g) => {
    const priority = Number(group.priority ?? 0);
    const loc = asFields(group.locality) ?? {};
    const locality: Endpoint['locality'] = {};
    if (loc.region) locality.region = String(loc.region);
    if (loc.zone) locality.zone = String(loc.zone);
    if (loc.sub_zone) locality.subZone = String(loc.sub_zone);
    const localityWeight = wrapped(group.load_balancing_weight);
    if (localityWeight === 0) reject(at(`endpoints[${g}].load_balancing_weight`), 'must be at least 1');
    list(group.lb_endpoints).forEach((lb, e) => {
      const path = at(`endpoints[${g}].lb_endpoints[${e}]`);
      if (lb.endpoint_name !== undefined) reject(`${path}.endpoint_name`, 'named endpoints are not supported');
      const endpoint = asFields(lb.endpoint);
      if (!endpoint) return reject(`${path}.endpoint`, 'is missing');
      const { host, port } = socketAddress(endpoint.address, `${path}.endpoint.address`);
      if (port === 0) reject(`${path}.endpoint.address.socket_address.port_value`, 'is 0; an endpoint needs a port');
      const weight = wrapped(lb.load_balancing_weight) ?? 1;
      if (!Number.isInteger(weight) || weight < 1) reject(`${path}.load_balancing_weight`, `${weight} must be at least 1`);
      const health = String(lb.health_status ?? 'UNKNOWN');
      if (!HEALTH.has(health)) reject(`${path}.health_status`, `${health} is not a health status`);
      const socketMatch = asFields(asFields(asFields(lb.metadata)?.filter_metadata)?.[SOCKET_MATCH_KEY]);
      endpoints.push({ host, port, weight, health: health as HealthStatus, priority, locality, ...(socketMatch ? { socketMatch: structToJson(socketMatch) } : {}) });
    });
  });
  return { clusterName: String(cla.cluster_name ?? ''), endpoints };
}

export function decodeEndpoints(any: AnyResource): Decoded<EndpointAssignment> {
  return decodeResource(any, { typeUrl: TYPE_URL.ENDPOINT, kind: 'ClusterLoadAssignment', nameField: 'cluster_name' }, (cla) => decodeAssignment(cla, ''));
}
