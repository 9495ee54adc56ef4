// What a simulated sidecar needs to know about a response: the EDS clusters a CDS response
// names, the route tables an LDS response refers to, and whether it carries the change being
// measured. Every sidecar gets byte-identical responses for the same config, so these facts are
// computed once per distinct content (keyed by a hash of the bytes) and shared; a thousand
// clients then cost one decode, not a thousand.
import { createHash } from 'node:crypto';
import { decodeAny } from '../../src/control/xds/protos.js';
import { TYPE_URL } from '../../src/control/xds/resource.js';
import type { Probe } from './load-protocol.js';
import { resourceName, type Response } from './wire.js';

export interface ResponseFacts {
  /** CDS: the clusters fed by EDS, which a sidecar then subscribes to. */
  edsClusters?: readonly string[];
  /** LDS: the RDS route tables the listeners name. */
  routeNames?: readonly string[];
  /** Whether this response carries the change the armed probe looks for. */
  carriesChange: boolean;
}

/** Distinct contents expected per run are few; the cap only guards against a runaway. */
const MAX_ENTRIES = 10_000;

type Json = Record<string, unknown>;

export class ResponseFactsCache {
  private readonly entries = new Map<string, ResponseFacts>();
  private readonly probed = new Map<string, boolean>();
  private probe: Probe | undefined;
  decodes = 0;

  /** Facts from now on also answer whether a response carries `probe`'s change. */
  arm(probe: Probe): void {
    this.probe = probe;
    this.probed.clear();
  }

  of(res: Response): ResponseFacts {
    const facts = res.typeUrl === TYPE_URL.CLUSTER || res.typeUrl === TYPE_URL.LISTENER ? this.subscriptionFacts(res) : NO_FACTS;
    return this.carriesChange(res) ? { ...facts, carriesChange: true } : facts;
  }

  /** CDS and LDS: what the client subscribes to next, from the whole response. */
  private subscriptionFacts(res: Response): ResponseFacts {
    const key = `${res.typeUrl}\n${hash(res.resourceBytes)}`;
    let facts = this.entries.get(key);
    if (!facts) {
      this.decodes++;
      facts = { carriesChange: false };
      if (res.typeUrl === TYPE_URL.CLUSTER) {
        const eds: string[] = [];
        for (const value of res.resources) {
          const cluster = decodeAny({ type_url: res.typeUrl, value });
          if (cluster.type === 'EDS') eds.push(String(cluster.name));
        }
        facts.edsClusters = eds;
      } else {
        const names = new Set<string>();
        for (const value of res.resources) collectStrings(decodeAny({ type_url: res.typeUrl, value }), 'route_config_name', names);
        facts.routeNames = [...names].sort();
      }
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, facts);
    }
    return facts;
  }

  /** Only the probed resource is hashed (and decoded once per content), not the whole response. */
  private carriesChange(res: Response): boolean {
    const probe = this.probe;
    if (!probe) return false;
    const want = probe.kind === 'endpoint-address' ? TYPE_URL.ENDPOINT : TYPE_URL.ROUTE;
    if (res.typeUrl !== want) return false;
    const target = probe.kind === 'endpoint-address' ? probe.cluster : probe.route;
    const value = res.resources.find((v) => resourceName(v) === target);
    if (!value) return false;
    const key = hash(value);
    let hit = this.probed.get(key);
    if (hit === undefined) {
      this.decodes++;
      hit = carries(probe, decodeAny({ type_url: res.typeUrl, value }));
      if (this.probed.size >= MAX_ENTRIES) this.probed.clear();
      this.probed.set(key, hit);
    }
    return hit;
  }
}

const NO_FACTS: ResponseFacts = Object.freeze({ carriesChange: false });

function hash(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('base64');
}

function carries(probe: Probe, decoded: Json): boolean {
  if (probe.kind === 'endpoint-address') {
    const addresses = new Set<string>();
    collectStrings(decoded, 'address', addresses);
    return addresses.has(probe.address);
  }
  const hosts = (decoded.virtual_hosts ?? []) as Json[];
  const vhost = hosts.find((h) => ((h.domains ?? []) as string[]).includes(probe.domain));
  const route = ((vhost?.routes ?? []) as Json[])[0]?.route as Json | undefined;
  const clusters = ((route?.weighted_clusters as Json | undefined)?.clusters ?? []) as Json[];
  const got: Record<string, number> = {};
  for (const c of clusters) got[String(c.name)] = weightOf(c.weight);
  const wanted = Object.entries(probe.weights);
  return wanted.length === Object.keys(got).length && wanted.every(([name, w]) => got[name] === w);
}

/** UInt32Value decodes to `{value: n}`, or a bare number in JSON form. */
function weightOf(weight: unknown): number {
  if (typeof weight === 'number') return weight;
  if (weight && typeof weight === 'object' && 'value' in weight) return Number((weight as { value: unknown }).value);
  return Number.NaN;
}

/** Every string under `key` anywhere in a decoded message. */
function collectStrings(node: unknown, key: string, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectStrings(item, key, into);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === key && typeof v === 'string') into.add(v);
      else collectStrings(v, key, into);
    }
  }
}
