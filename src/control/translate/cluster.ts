// Services (and DestinationRule subsets) → Clusters. One cluster per service port, plus one per
// subset, named `outbound|port|subset|host`; the DestinationRule's traffic policy (merged per
// port and subset) decides LB, outlier detection, circuit breakers and TLS.
import { structProto } from '../xds/protos.js';
import { isHttpLike } from '../../registry/protocol.js';
import type { Service, ServicePort } from '../../registry/types.js';
import { autoMtlsSocketMatches, mtlsEndpointKeys, mtlsEndpointMetadata, usesAutoMtls } from './auto-mtls.js';
import type { TranslateContext } from './context.js';
import { circuitBreakers, connectTimeout, protocolOptions, tcpKeepalive } from './connection-pool.js';
import { loadAssignment, type LoadAssignmentOptions } from './endpoints.js';
import { lbFields } from './load-balancer.js';
import { clusterName } from './names.js';
import { outlierDetection } from './outlier.js';
import { adsConfigSource, u32 } from './proto.js';
import { upstreamTls } from './tls.js';
import { effectivePolicy, subsetLabels, type EffectivePolicy } from './traffic-policy.js';

type Fields = Record<string, unknown>;

export interface ClusterTarget {
  service: Service;
  port: ServicePort;
  subset: string;
  name: string;
}

/** Every outbound cluster target the proxy may use. */
export function clusterTargets(ctx: TranslateContext): ClusterTarget[] {
  const out: ClusterTarget[] = [];
  for (const s of ctx.services) {
    const dr = ctx.push.destinationRule(ctx.proxy, s.hostname, s.namespace);
    for (const p of s.ports) {
      out.push({ service: s, port: p, subset: '', name: clusterName('outbound', p.port, '', s.hostname) });
      for (const sub of dr?.spec.subsets ?? []) {
        out.push({ service: s, port: p, subset: sub.name, name: clusterName('outbound', p.port, sub.name, s.hostname) });
      }
    }
  }
  return out;
}

function spiffeIds(ctx: TranslateContext, target: ClusterTarget): string[] {
  if (target.service.subjectAltNames.length) return [...target.service.subjectAltNames];
  const accounts = new Set(ctx.push.endpoints(target.service, target.port.port).map((e) => e.serviceAccount).filter((a): a is string => !!a));
  return [...accounts].sort().map((sa) => `spiffe://${ctx.push.mesh.trustDomain}/ns/${target.service.namespace}/sa/${sa}`);
}

export function buildCluster(ctx: TranslateContext, target: ClusterTarget): Fields {
  const { service, port, subset, name } = target;
  const dr = ctx.push.destinationRule(ctx.proxy, service.hostname, service.namespace);
  const policy = effectivePolicy(dr?.spec, subset, port.port);
  const proxyless = ctx.kind === 'proxyless';
  const cluster: Fields = { name, ...lbFields(policy.loadBalancer, ctx.kind) };
  const type = discoveryType(ctx, target, policy);
  cluster.type = type;
  if (type === 'STRICT_DNS' || type === 'LOGICAL_DNS') {
    // gRPC resolves exactly one name itself (LOGICAL_DNS); Envoy can balance over all (STRICT_DNS).
    const labels = subsetLabels(dr?.spec, subset) ?? {};
    const eps = ctx.push.endpoints(service, port.port).filter((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === v));
    const chosen = type === 'STRICT_DNS' ? eps : eps.slice(0, 1);
    const mtls = new Set(usesAutoMtls(ctx, service, policy.tls) ? mtlsEndpointKeys(ctx, service, chosen) : []);
    const lbEndpoint = (e: (typeof chosen)[number]): Fields => {
      const out: Fields = { endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } }, load_balancing_weight: u32(Math.max(1, e.weight)) };
      if (mtls.has(`${e.address}:${e.port}`)) out.metadata = mtlsEndpointMetadata();
      return out;
    };
    cluster.load_assignment = {
      cluster_name: name,
      endpoints: [{ locality: {}, load_balancing_weight: u32(1), lb_endpoints: chosen.map(lbEndpoint) }],
    };
  } else if (type === 'ORIGINAL_DST') {
    cluster.lb_policy = 'CLUSTER_PROVIDED';
  } else {
    cluster.eds_cluster_config = { eds_config: adsConfigSource(), service_name: name };
  }
  cluster.connect_timeout = connectTimeout(policy.connectionPool);
  cluster.circuit_breakers = circuitBreakers(policy.connectionPool);
  const outlier = outlierDetection(policy.outlierDetection, ctx.kind);
  if (outlier) cluster.outlier_detection = outlier;
  if (!proxyless) {
    const common: Fields = {};
    if (policy.outlierDetection?.minHealthPercent !== undefined) common.healthy_panic_threshold = { value: policy.outlierDetection.minHealthPercent };
    if (policy.loadBalancer?.localityLbSetting?.distribute?.length) common.locality_weighted_lb_config = {};
    if (Object.keys(common).length) cluster.common_lb_config = common;
    const opts = protocolOptions(policy.connectionPool, port.protocol, ctx.kind);
    if (opts) cluster.typed_extension_protocol_options = opts;
    const keepalive = tcpKeepalive(policy.connectionPool);
    if (keepalive) cluster.upstream_connection_options = keepalive;
  }
  const tlsTarget = { host: service.hostname, port: port.port, subset, subjectAltNames: spiffeIds(ctx, target) };
  if (type !== 'ORIGINAL_DST' && usesAutoMtls(ctx, service, policy.tls)) {
    // Which socket an endpoint takes is its metadata's choice (auto-mtls.ts).
    cluster.transport_socket_matches = autoMtlsSocketMatches(upstreamTls({ mode: 'ISTIO_MUTUAL' }, tlsTarget, ctx.kind) as Fields);
  } else {
    const tls = upstreamTls(policy.tls, tlsTarget, ctx.kind);
    if (tls) cluster.transport_socket = tls;
  }
  // Struct values go through structProto: protobufjs's Struct wants its own field shapes.
  if (!proxyless && isHttpLike(port.protocol)) cluster.metadata = { filter_metadata: { istio: structProto({ services: [{ host: service.hostname, namespace: service.namespace }] }) } };
  return cluster;
}

/** The EDS answer for an outbound cluster target. */
export function buildLoadAssignment(ctx: TranslateContext, target: ClusterTarget): Fields {
  const dr = ctx.push.destinationRule(ctx.proxy, target.service.hostname, target.service.namespace);
  const policy = effectivePolicy(dr?.spec, target.subset, target.port.port);
  const eps = ctx.push.endpoints(target.service, target.port.port);
  const opts: LoadAssignmentOptions = {
    kind: ctx.kind,
    subsetLabels: subsetLabels(dr?.spec, target.subset),
    locality: ctx.proxy.locality,
    localityLb: policy.loadBalancer?.localityLbSetting,
    failover: policy.outlierDetection !== undefined,
  };
  if (usesAutoMtls(ctx, target.service, policy.tls)) opts.mtlsEndpoints = mtlsEndpointKeys(ctx, target.service, eps);
  return loadAssignment(target.name, eps, opts);
}

type DiscoveryType = 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST';

function discoveryType(ctx: TranslateContext, target: ClusterTarget, policy: EffectivePolicy): DiscoveryType {
  const proxyless = ctx.kind === 'proxyless';
  const r = target.service.resolution;
  if (r === 'DNS') return proxyless ? 'LOGICAL_DNS' : 'STRICT_DNS';
  if (r === 'DNS_ROUND_ROBIN') return 'LOGICAL_DNS';
  if (!proxyless && (r === 'NONE' || policy.loadBalancer?.simple === 'PASSTHROUGH')) return 'ORIGINAL_DST';
  return 'EDS';
}

/** Whether the target's cluster is fed by EDS (DNS and original-destination clusters are not). */
export function usesEds(ctx: TranslateContext, target: ClusterTarget): boolean {
  const dr = ctx.push.destinationRule(ctx.proxy, target.service.hostname, target.service.namespace);
  return discoveryType(ctx, target, effectivePolicy(dr?.spec, target.subset, target.port.port)) === 'EDS';
}

/** Clusters every sidecar has: pass-through for unknown hosts (ALLOW_ANY) and the black hole. */
export function builtinClusters(): Fields[] {
  return [
    { name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: { seconds: 10, nanos: 0 }, original_dst_lb_config: { use_http_header: true } },
    { name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: { seconds: 10, nanos: 0 } },
  ];
}
