// A control plane that is not Isthmus's manager: the manager's ADS transport (AdsServer) with
// generators that hand out whatever Envoy resources the test built by hand. The proxy promises
// to run on any control plane that speaks its xDS subset (docs/proxy-xds.md); this is the
// smallest such control plane, so tests can send it filters and fields the manager never emits.
// Each `serve` replaces the whole resource set under a new version and pushes it at once.
import { any, durationFromMs, socketAddress } from '../../../src/control/translate/proto.js';
import { EXT, FILTER } from '../../../src/control/translate/type-urls.js';
import {
  AdsServer,
  TYPE_URL,
  type Generator,
  type NackRecord,
  type TypeSyncStatus,
  type TypeUrl,
  type XdsResource,
} from '../../../src/control/xds/index.js';
import { eventually } from '../../helpers/eventually.js';

type Message = Record<string, unknown>;

interface StaticSnapshot {
  version: string;
  resources: ReadonlyMap<TypeUrl, readonly XdsResource[]>;
}

/** What one `serve` hands out, by kind; a kind left out is served empty. */
export interface StaticResources {
  clusters?: Message[];
  listeners?: Message[];
}

/** Every resource of the type the proxy asked for (all of them for a wildcard request). */
function fromSnapshot(typeUrl: TypeUrl): Generator<StaticSnapshot> {
  return {
    generate: (_proxy, snapshot, names) => (snapshot.resources.get(typeUrl) ?? []).filter((r) => !names || names.includes(r.name)),
  };
}

/** The four types the proxy subscribes to; EDS and RDS stay empty (STATIC clusters, inline routes). */
const GENERATORS = new Map<TypeUrl, Generator<StaticSnapshot>>(
  [TYPE_URL.CLUSTER, TYPE_URL.ENDPOINT, TYPE_URL.LISTENER, TYPE_URL.ROUTE].map((t) => [t, fromSnapshot(t)]),
);

function named(typeUrl: TypeUrl, messages: Message[] = []): XdsResource[] {
  return messages.map((value) => ({ name: String(value.name), typeUrl, value }));
}

export class StaticAds {
  private version = 0;

  private constructor(
    private readonly server: AdsServer<StaticSnapshot>,
    readonly port: number,
    /** The server's own log lines (connects, NACKs), for failure messages. */
    readonly log: readonly string[],
  ) {}

  /** Listens on 127.0.0.1 (a free port) serving `initial` as version "1". */
  static async start(initial: StaticResources): Promise<StaticAds> {
    const log: string[] = [];
    // debounceMs 0: every serve is pushed at once, so a test waits only for the proxy.
    const server = new AdsServer<StaticSnapshot>({ generators: GENERATORS, debounceMs: 0, identifier: 'static-test-cp', log: (l) => log.push(l) });
    const port = await server.listen('127.0.0.1', 0);
    const ads = new StaticAds(server, port, log);
    ads.serve(initial);
    return ads;
  }

  /** Replaces everything served with `resources` under the next version; returns that version. */
  serve(resources: StaticResources): string {
    const version = String(++this.version);
    const snapshot: StaticSnapshot = {
      version,
      resources: new Map([
        [TYPE_URL.CLUSTER, named(TYPE_URL.CLUSTER, resources.clusters)],
        [TYPE_URL.LISTENER, named(TYPE_URL.LISTENER, resources.listeners)],
      ]),
    };
    this.server.setSnapshot(snapshot);
    this.server.pushNow();
    return version;
  }

  /** The connected proxies' sync state for one type, as syncz reports it. */
  statuses(typeUrl: TypeUrl): TypeSyncStatus[] {
    return this.server.syncz().flatMap((s) => (s.types[typeUrl] ? [s.types[typeUrl]] : []));
  }

  /** Waits until a proxy acknowledged `version` of the type. */
  async acked(typeUrl: TypeUrl, version: string): Promise<void> {
    await eventually(`the proxy ACKs ${typeUrl} version ${version}`, () => (this.statuses(typeUrl).some((s) => s.acked === version) ? true : undefined));
  }

  /** Waits for the proxy's NACK of `version` of the type and returns it. */
  nacked(typeUrl: TypeUrl, version: string): Promise<NackRecord> {
    return eventually(`the proxy NACKs ${typeUrl} version ${version}`, () => this.statuses(typeUrl).find((s) => s.lastNack?.version === version)?.lastNack ?? undefined);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

// Hand-built Envoy resources, in protobufjs object form with the proto's field names.

/** A STATIC cluster whose one endpoint is a loopback port. */
export function staticCluster(name: string, port: number): Message {
  return {
    name,
    type: 'STATIC',
    connect_timeout: durationFromMs(1000),
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', port) } }] }] },
  };
}

/** An HTTP filter entry: its name and typed_config. */
export function httpFilter(name: string, typeUrl: string, config: Message = {}): Message {
  return { name, typed_config: any(typeUrl, config) };
}

export const ROUTER_FILTER = httpFilter(FILTER.ROUTER, EXT.ROUTER);

/**
 * A listener on 127.0.0.1:`port` with one HttpConnectionManager: `filters` (the router is
 * appended) and an inline route table sending every request to `cluster`.
 */
export function httpListener(name: string, port: number, cluster: string, filters: Message[]): Message {
  const hcm = {
    stat_prefix: name,
    codec_type: 'AUTO',
    route_config: {
      name: `${name}-routes`,
      virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
    },
    http_filters: [...filters, ROUTER_FILTER],
  };
  return {
    name,
    address: socketAddress('127.0.0.1', port),
    filter_chains: [{ filters: [{ name: FILTER.HCM, typed_config: any(EXT.HCM, hcm) }] }],
  };
}
