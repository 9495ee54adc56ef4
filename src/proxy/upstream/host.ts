// One upstream endpoint as the proxy's upstream layer sees it: its EDS facts (address, weight,
// priority, locality, health) plus the live state the decisions read — requests in flight for
// least-request balancing and outlier ejection. Hosts outlive EDS updates: `reconcileHosts`
// keeps the same object for the same `host:port`, so in-flight counts and ejections survive a
// new ClusterLoadAssignment (as Envoy keeps a host whose address did not change).
import { isIPv6 } from 'node:net';
import type { JsonValue } from '../../control/xds/struct.js';
import type { Endpoint, HealthStatus } from '../xds-client/endpoint.js';

export type Locality = Endpoint['locality'];

/** What outlier detection says about a host; written only by the OutlierDetector. */
export interface OutlierState {
  ejected: boolean;
  /** Monotonic ms (clock.ts) after which the next sweep returns the host; set while ejected. */
  ejectedUntil?: number;
  /** How many times the host has been ejected so far. */
  timesEjected: number;
}

/** An endpoint plus the locality's load_balancing_weight, which the xds-client Endpoint omits. */
export type EndpointInput = Endpoint & { localityWeight?: number };

export class UpstreamHost {
  readonly host: string;
  readonly port: number;
  /** `host:port` (IPv6 unbracketed): the host's identity across EDS updates. */
  readonly key: string;
  /** Envoy's printed address, `1.2.3.4:80` or `[::1]:80`: what RING_HASH and MAGLEV hash. */
  readonly address: string;
  weight: number;
  priority: number;
  locality: Locality;
  /** The locality's load_balancing_weight (EDS), used by locality-weighted balancing. */
  localityWeight: number | undefined;
  health: HealthStatus;
  /** The endpoint's `envoy.transport_socket_match` metadata (which transport socket it gets). */
  socketMatch: Record<string, JsonValue> | undefined;
  /** Requests in flight to this host (least-request balancing). */
  active = 0;
  readonly outlier: OutlierState = { ejected: false, timesEjected: 0 };

  constructor(e: EndpointInput) {
    this.host = e.host;
    this.port = e.port;
    this.key = `${e.host}:${e.port}`;
    this.address = isIPv6(e.host) ? `[${e.host}]:${e.port}` : this.key;
    this.weight = e.weight;
    this.priority = e.priority;
    this.locality = { ...e.locality };
    this.localityWeight = e.localityWeight;
    this.health = e.health;
    this.socketMatch = e.socketMatch;
  }

  static fromEndpoint(e: EndpointInput): UpstreamHost {
    return new UpstreamHost(e);
  }

  /** `region/zone/subZone`, the locality's identity. */
  get localityKey(): string {
    return localityKey(this.locality);
  }

  /** Counts a request in flight; the returned function ends it (safe to call twice). */
  beginRequest(): () => void {
    this.active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
    };
  }

  update(e: EndpointInput): void {
    this.weight = e.weight;
    this.priority = e.priority;
    this.locality = { ...e.locality };
    this.localityWeight = e.localityWeight;
    this.health = e.health;
    this.socketMatch = e.socketMatch;
  }
}

export function localityKey(l: Locality): string {
  return `${l.region ?? ''}/${l.zone ?? ''}/${l.subZone ?? ''}`;
}

/**
 * The hosts for a new endpoint list, reusing `previous` hosts with the same key (updated in
 * place) and creating the rest. A duplicated address keeps its first endpoint.
 */
export function reconcileHosts(previous: readonly UpstreamHost[], endpoints: readonly EndpointInput[]): UpstreamHost[] {
  const old = new Map(previous.map((h) => [h.key, h]));
  const out = new Map<string, UpstreamHost>();
  for (const e of endpoints) {
    const key = `${e.host}:${e.port}`;
    if (out.has(key)) continue;
    const reused = old.get(key);
    if (reused) reused.update(e);
    out.set(key, reused ?? new UpstreamHost(e));
  }
  return [...out.values()];
}
