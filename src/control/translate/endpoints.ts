// Registry endpoints → ClusterLoadAssignment, grouped by locality. Every locality carries a
// load_balancing_weight: gRPC ignores localities without one. With a localityLbSetting,
// `distribute` reweights localities and failover (needs outlier detection, as in Istio)
// assigns priorities by proximity to the client: same zone+subzone 0, same zone 1, same
// region 2, elsewhere 3 — compacted so priorities have no gaps (gRPC requires that).
import { isIP } from 'node:net';
import type { LocalityLbSetting } from '../../api/networking/destination-rule.js';
import type { Endpoint } from '../../registry/types.js';
import { labelsMatch } from '../../registry/workloads.js';
import type { Locality } from '../model/proxy.js';
import { mtlsEndpointMetadata } from './auto-mtls.js';
import type { ClientKind } from './context.js';
import { socketAddress, u32 } from './proto.js';

export interface LoadAssignmentOptions {
  kind: ClientKind;
  subsetLabels?: Readonly<Record<string, string>>;
  locality?: Locality;
  localityLb?: LocalityLbSetting;
  /** Failover by proximity needs outlier detection to notice a failing locality. */
  failover: boolean;
  /** Auto mTLS: `address:port` of the endpoints that take the cluster's `tlsMode-istio` socket. */
  mtlsEndpoints?: readonly string[];
}

function splitLocality(l: string): { region: string; zone: string; sub_zone: string } {
  const [region = '', zone = '', sub_zone = ''] = l.split('/');
  return { region, zone, sub_zone };
}

function proxyLocality(l: Locality | undefined): string {
  return l ? [l.region ?? '', l.zone ?? '', l.subZone ?? ''].join('/') : '';
}

/** Istio's locality patterns: `region/zone/subzone`, each part may be `*`, trailing parts optional. */
function localityMatches(pattern: string, locality: string): boolean {
  const p = pattern.split('/');
  const l = locality.split('/');
  return p.every((part, i) => part === '*' || part === (l[i] ?? ''));
}

function proximity(client: string, ep: string): number {
  const c = splitLocality(client);
  const e = splitLocality(ep);
  if (c.region !== e.region) return 3;
  if (c.zone !== e.zone) return 2;
  if (c.sub_zone !== e.sub_zone) return 1;
  return 0;
}

export function selectEndpoints(eps: readonly Endpoint[], opts: LoadAssignmentOptions): Endpoint[] {
  const seen = new Set<string>();
  return eps.filter((e) => {
    if (opts.subsetLabels && !labelsMatch(opts.subsetLabels, e.labels)) return false;
    // EDS carries addresses only; DNS names belong in STRICT_DNS/LOGICAL_DNS clusters.
    if (isIP(e.address) === 0) return false;
    const key = `${e.address}:${e.port}`;
    if (seen.has(key)) return false; // gRPC rejects duplicate addresses
    seen.add(key);
    return true;
  });
}

export function lbEndpoint(e: Endpoint, mtls = false): Record<string, unknown> {
  const out: Record<string, unknown> = {
    endpoint: { address: socketAddress(e.address, e.port) },
    health_status: e.health,
    load_balancing_weight: u32(Math.max(1, e.weight)),
  };
  if (mtls) out.metadata = mtlsEndpointMetadata();
  return out;
}

/**
 * Load assignments kept with the endpoint array they were built from (the service index keeps
 * that array while a service's endpoints are unchanged): after a change to one service, the
 * others' answers are the same objects as before, so they are neither rebuilt nor re-encoded.
 */
const built = new WeakMap<readonly Endpoint[], Map<string, Record<string, unknown>>>();

export function loadAssignment(clusterName: string, eps: readonly Endpoint[], opts: LoadAssignmentOptions): Record<string, unknown> {
  let byInputs = built.get(eps);
  if (!byInputs) built.set(eps, (byInputs = new Map()));
  const key = JSON.stringify([clusterName, opts.kind, opts.subsetLabels ?? null, opts.locality ?? null, opts.localityLb ?? null, opts.failover, opts.mtlsEndpoints ?? null]);
  let cla = byInputs.get(key);
  if (!cla) byInputs.set(key, (cla = buildLoadAssignment(clusterName, eps, opts)));
  return cla;
}

function buildLoadAssignment(clusterName: string, eps: readonly Endpoint[], opts: LoadAssignmentOptions): Record<string, unknown> {
  const selected = selectEndpoints(eps, opts);
  const groups = new Map<string, Endpoint[]>();
  for (const e of selected) groups.set(e.locality, [...(groups.get(e.locality) ?? []), e]);
  const client = proxyLocality(opts.locality);
  const mtls = new Set(opts.mtlsEndpoints ?? []);
  const distribute = opts.localityLb?.enabled === false ? undefined
    : opts.localityLb?.distribute?.find((d) => d.from !== undefined && localityMatches(d.from, client));
  const failover = opts.failover && opts.localityLb?.enabled !== false && client !== '' && !distribute;
  const out: Record<string, unknown>[] = [];
  for (const [locality, members] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    let weight = members.reduce((sum, e) => sum + Math.max(1, e.weight), 0);
    if (distribute) {
      const share = Object.entries(distribute.to ?? {}).find(([pattern]) => localityMatches(pattern, locality));
      if (!share || share[1] === 0) continue;
      weight = share[1];
    }
    out.push({
      locality: splitLocality(locality),
      lb_endpoints: members.map((e) => lbEndpoint(e, mtls.has(`${e.address}:${e.port}`))),
      load_balancing_weight: u32(weight),
      priority: failover ? proximity(client, locality) : 0,
    });
  }
  // Renumber priorities 0..n-1 in order, so no level is missing.
  const levels = [...new Set(out.map((g) => g.priority as number))].sort((a, b) => a - b);
  for (const g of out) g.priority = levels.indexOf(g.priority as number);
  return { cluster_name: clusterName, endpoints: out };
}
