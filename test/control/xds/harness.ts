// Test harness: an AdsServer on 127.0.0.1:0 with tiny fake generators, and a real
// @grpc/grpc-js client made from the same ADS proto by proto-loader, so the wire format is
// checked against an independent parse of the .proto files.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Registry } from 'prom-client';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import { AdsServer, type AdsServerOptions } from '../../../src/control/xds/ads-server.js';
import type { Generator } from '../../../src/control/xds/generator.js';
import { xdsIncludeDirs } from '../../../src/control/xds/protos.js';
import { TYPE_URL, type TypeUrl, type XdsResource } from '../../../src/control/xds/resource.js';
import type { Timers } from '../../../src/control/xds/timers.js';

export const LDS = TYPE_URL.LISTENER;
export const RDS = TYPE_URL.ROUTE;
export const CDS = TYPE_URL.CLUSTER;
export const EDS = TYPE_URL.ENDPOINT;

/** A fake config snapshot: resources of each type, by name. */
export interface FakeSnapshot {
  version: string;
  resources: Partial<Record<TypeUrl, XdsResource[]>>;
}

export function listener(name: string, port: number): XdsResource {
  return { name, typeUrl: LDS, value: { name, address: { socket_address: { address: '0.0.0.0', port_value: port } } } };
}
export function cluster(name: string, seconds = 1): XdsResource {
  return { name, typeUrl: CDS, value: { name, type: 'EDS', connect_timeout: { seconds }, eds_cluster_config: { eds_config: { ads: {} } } } };
}
export function route(name: string, cluster: string): XdsResource {
  return {
    name,
    typeUrl: RDS,
    value: { name, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] },
  };
}
export function endpoints(name: string, port: number): XdsResource {
  return {
    name,
    typeUrl: EDS,
    value: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }],
    },
  };
}

/** Generators that return the snapshot's resources, filtered by name; counts their calls. */
export function fakeGenerators(calls: { proxy: string; type: string }[] = []): Map<TypeUrl, Generator<FakeSnapshot>> {
  const generators = new Map<TypeUrl, Generator<FakeSnapshot>>();
  for (const type of [LDS, RDS, CDS, EDS] as TypeUrl[]) {
    generators.set(type, {
      generate(proxy, snapshot, names) {
        calls.push({ proxy: proxy.id, type });
        const all = snapshot.resources[type] ?? [];
        return names === undefined ? all : all.filter((r) => names.includes(r.name));
      },
    });
  }
  return generators;
}

/** Timers the test fires by hand. */
export class ManualTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.fn();
  }
}

export interface Harness {
  server: AdsServer<FakeSnapshot>;
  port: number;
  registry: Registry;
  logs: string[];
  calls: { proxy: string; type: string }[];
  timers: ManualTimers;
  close(): Promise<void>;
}

export async function startServer(options: Partial<AdsServerOptions<FakeSnapshot>> = {}): Promise<Harness> {
  const registry = new Registry();
  const logs: string[] = [];
  const calls: { proxy: string; type: string }[] = [];
  const timers = new ManualTimers();
  const server = new AdsServer<FakeSnapshot>({
    generators: fakeGenerators(calls),
    debounceMs: 0,
    metrics: registry,
    timers,
    log: (line) => logs.push(line),
    ...options,
  });
  const port = await server.listen('127.0.0.1', 0);
  return { server, port, registry, logs, calls, timers, close: () => server.close() };
}

/** How many responses of a type the server has written, from its own metric. */
export async function pushes(registry: Registry, type: string): Promise<number> {
  const metric = await registry.getSingleMetric('isthmus_xds_pushes_total')?.get();
  return metric?.values.find((v) => v.labels.type === type)?.value ?? 0;
}

// --- client side ---------------------------------------------------------------------------

let adsClientCtor: grpc.ServiceClientConstructor | undefined;

function adsClientConstructor(): grpc.ServiceClientConstructor {
  if (adsClientCtor) return adsClientCtor;
  const definition = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: xdsIncludeDirs(),
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  adsClientCtor = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService;
  return adsClientCtor;
}

export const SIDECAR_ID = 'sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local';

export function node(id = SIDECAR_ID, metadata: Record<string, string> = {}): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) fields[key] = { stringValue: value, kind: 'stringValue' };
  return { id, metadata: { fields } };
}

const WAIT_MS = 5000;

/** One ADS stream from the test's side: send requests, await responses one at a time. */
export class TestStream<Res extends { nonce: string; type_url: string }> {
  private readonly queue: Res[] = [];
  private waiters: (() => void)[] = [];
  status: grpc.StatusObject | undefined;
  readonly client: grpc.Client;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly call: grpc.ClientDuplexStream<any, any>;

  constructor(port: number, variant: 'sotw' | 'delta') {
    const Ctor = adsClientConstructor();
    this.client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const method = variant === 'sotw' ? 'StreamAggregatedResources' : 'DeltaAggregatedResources';
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    this.call = (this.client as any)[method]();
    this.call.on('data', (message: Res) => {
      this.queue.push(message);
      this.wake();
    });
    this.call.on('status', (status: grpc.StatusObject) => {
      this.status = status;
      this.wake();
    });
    this.call.on('error', () => {});
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  send(request: Record<string, unknown>): void {
    this.call.write(request);
  }

  /** The next response, failing after a generous timeout instead of hanging. */
  async next(what = 'a response'): Promise<Res> {
    const deadline = Date.now() + WAIT_MS;
    while (this.queue.length === 0) {
      if (this.status) throw new Error(`stream ended (${this.status.code} ${this.status.details}) while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WAIT_MS);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.queue.shift() as Res;
  }

  /** Responses received and not yet taken. */
  get buffered(): number {
    return this.queue.length;
  }

  async ended(): Promise<grpc.StatusObject> {
    const deadline = Date.now() + WAIT_MS;
    while (!this.status) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the stream to end');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WAIT_MS);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.status;
  }

  close(): void {
    this.call.end();
    this.client.close();
  }
}

export interface SotwResponse {
  version_info: string;
  resources: { type_url: string; value: Buffer }[];
  type_url: string;
  nonce: string;
}

export interface DeltaResponse {
  system_version_info: string;
  resources: { name: string; version: string; resource: { type_url: string; value: Buffer } }[];
  removed_resources: string[];
  type_url: string;
  nonce: string;
}

/** Polls a condition (the server processes requests asynchronously) with an overall timeout. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function proxyIds(proxies: ProxyNode[]): string[] {
  return proxies.map((p) => p.id).sort();
}
