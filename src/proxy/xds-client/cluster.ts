// CDS: a Cluster becomes the few facts the proxy needs to reach it — how its endpoints are found
// (EDS, static, DNS, original destination), how requests spread over them, and how long a
// connection may take. Anything the proxy could not honour is rejected, not silently ignored.
import { TYPE_URL } from '../../control/xds/resource.js';
import { asFields, decodeResource, durationMs, reject, type AnyResource, type Decoded, type Fields } from './fields.js';
import { decodeAssignment, type EndpointAssignment } from './endpoint.js';

export type Discovery = 'EDS' | 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST';
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';

const DISCOVERY = new Set<string>(['EDS', 'STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'ORIGINAL_DST']);
const LB_POLICIES = new Set<string>(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV', 'CLUSTER_PROVIDED']);

export interface ClusterConfig {
  name: string;
  discovery: Discovery;
  lbPolicy: LbPolicy;
  /** EDS: the ClusterLoadAssignment name to subscribe to (eds_service_name, else the cluster's). */
  edsServiceName?: string;
  /** STATIC / DNS clusters carry their endpoints inline. */
  loadAssignment?: EndpointAssignment;
  connectTimeoutMs: number;
  /** The decoded Cluster, for the parts later proxy layers read (TLS, circuit breakers). */
  raw: Fields;
}

/** Envoy's default connect_timeout. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export function decodeCluster(any: AnyResource): Decoded<ClusterConfig> {
  return decodeResource(any, { typeUrl: TYPE_URL.CLUSTER, kind: 'Cluster', nameField: 'name' }, (c, name) => {
    if (c.cluster_type !== undefined) reject('cluster_type', `custom cluster type ${String(asFields(c.cluster_type)?.name ?? '')} is not supported`);
    // An unset `type` is STATIC (enum value 0); an unknown number stays a number.
    const discovery = String(c.type ?? 'STATIC');
    if (!DISCOVERY.has(discovery)) reject('type', `${discovery} is not supported (use one of ${[...DISCOVERY].join(', ')})`);
    const lbPolicy = String(c.lb_policy ?? 'ROUND_ROBIN');
    if (!LB_POLICIES.has(lbPolicy)) reject('lb_policy', `${lbPolicy} is not supported (use one of ${[...LB_POLICIES].join(', ')})`);
    if (lbPolicy === 'CLUSTER_PROVIDED' && discovery !== 'ORIGINAL_DST') {
      reject('lb_policy', `CLUSTER_PROVIDED needs type ORIGINAL_DST, not ${discovery}`);
    }
    if (discovery === 'ORIGINAL_DST' && lbPolicy !== 'CLUSTER_PROVIDED') {
      reject('lb_policy', `an ORIGINAL_DST cluster needs CLUSTER_PROVIDED, not ${lbPolicy}`);
    }
    const connectTimeoutMs = durationMs(c.connect_timeout) ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (!(connectTimeoutMs > 0)) reject('connect_timeout', 'must be positive');
    const out: ClusterConfig = { name, discovery: discovery as Discovery, lbPolicy: lbPolicy as LbPolicy, connectTimeoutMs, raw: c };
    if (discovery === 'EDS') {
      const eds = asFields(c.eds_cluster_config);
      const config = asFields(eds?.eds_config);
      if (!eds || !config) reject('eds_cluster_config.eds_config', 'is missing; an EDS cluster must say where its endpoints come from');
      if (config.ads === undefined && config.path === undefined && config.path_config_source === undefined && config.api_config_source === undefined && config.self === undefined) {
        reject('eds_cluster_config.eds_config', 'names no config source (expected ads)');
      }
      if (config.ads === undefined) reject('eds_cluster_config.eds_config', 'only ads is supported as the endpoints\' config source');
      const service = typeof eds.service_name === 'string' && eds.service_name !== '' ? eds.service_name : name;
      out.edsServiceName = service;
    } else if (c.load_assignment !== undefined) {
      out.loadAssignment = decodeAssignment(asFields(c.load_assignment) ?? {}, 'load_assignment');
      if ((discovery === 'STRICT_DNS' || discovery === 'LOGICAL_DNS') && out.loadAssignment.endpoints.length === 0) {
        reject('load_assignment', `a ${discovery} cluster needs at least one host to resolve`);
      }
    } else if (discovery === 'STRICT_DNS' || discovery === 'LOGICAL_DNS') {
      reject('load_assignment', `is missing; a ${discovery} cluster needs hosts to resolve`);
    }
    return out;
  });
}
