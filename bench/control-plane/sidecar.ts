// One simulated sidecar: an ADS state-of-the-world stream that subscribes the way Envoy does
// (CDS wildcard; EDS for the EDS clusters CDS named; then LDS wildcard; RDS for the route tables
// the listeners name) and ACKs every response by echoing its version_info and nonce. Like a
// default Istio sidecar it asks for no HTTP-proxy listener, unless given `httpProxyPort` (sent
// as node metadata PROXY_CONFIG.proxyHttpPort).
import * as grpc from '@grpc/grpc-js';
import { messageType, structProto } from '../../src/control/xds/protos.js';
import { TYPE_URL } from '../../src/control/xds/resource.js';
import type { JsonValue } from '../../src/control/xds/struct.js';
import type { ResponseFactsCache } from './facts.js';
import { now } from './load-protocol.js';
import { decodeResponse, encodeRequest, type Response } from './wire.js';

const ADS_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const CDS = TYPE_URL.CLUSTER;
const EDS = TYPE_URL.ENDPOINT;
const LDS = TYPE_URL.LISTENER;
const RDS = TYPE_URL.ROUTE;
const WILDCARD: readonly string[] = [];

export const SHORT_TYPE: Record<string, string> = { [CDS]: 'CDS', [EDS]: 'EDS', [LDS]: 'LDS', [RDS]: 'RDS' };

export interface SidecarHooks {
  onResponse(type: string, bytes: number): void;
  onSynced(sidecar: SimulatedSidecar, at: number): void;
  onChangeAcked(sidecar: SimulatedSidecar, at: number): void;
  onFailed(sidecar: SimulatedSidecar, message: string): void;
}

interface Subscription {
  version: string;
  nonce: string;
  names: readonly string[];
  acked: boolean;
}

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Each sidecar has its own connection, as real ones do, instead of sharing one HTTP/2 session.
  'grpc.use_local_subchannel_pool': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

export class SimulatedSidecar {
  readonly id: string;
  private readonly client: grpc.Client;
  private call: grpc.ClientDuplexStream<Buffer, Response> | undefined;
  private readonly subs = new Map<string, Subscription>();
  private nodeSent = false;
  synced = false;
  changeAcked = false;
  failed = false;

  constructor(readonly index: number, port: number, private readonly facts: ResponseFactsCache, private readonly hooks: SidecarHooks, private readonly httpProxyPort?: number) {
    this.id = `sidecar~127.0.0.1~client-${index}.bench~bench.svc.cluster.local`;
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  start(): void {
    const call = this.client.makeBidiStreamRequest<Buffer, Response>(ADS_METHOD, (b) => b, decodeResponse);
    this.call = call;
    call.on('data', (res: Response) => this.onResponse(res));
    call.on('error', (err: Error) => this.fail(err.message));
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code !== grpc.status.OK) this.fail(`${status.code} ${status.details}`);
    });
    call.on('end', () => this.fail('the control plane ended the stream'));
    this.request(CDS, WILDCARD);
  }

  close(): void {
    this.failed = true; // no further reports
    this.call?.end();
    this.call?.cancel();
    this.client.close();
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.hooks.onFailed(this, message);
  }

  private sub(typeUrl: string): Subscription | undefined {
    return this.subs.get(typeUrl);
  }

  /** A new subscription, or a change of names on an existing one (with its last version/nonce). */
  private request(typeUrl: string, names: readonly string[]): void {
    const existing = this.subs.get(typeUrl);
    const sub: Subscription = existing ?? { version: '', nonce: '', names, acked: false };
    sub.names = names;
    this.subs.set(typeUrl, sub);
    this.send(typeUrl, sub);
  }

  private send(typeUrl: string, sub: Subscription): void {
    const node = this.nodeSent ? undefined : encodedNode(this.id, this.httpProxyPort);
    this.nodeSent = true;
    this.call?.write(encodeRequest({ versionInfo: sub.version, node, names: sub.names, typeUrl, nonce: sub.nonce }));
  }

  private onResponse(res: Response): void {
    if (this.failed) return;
    this.hooks.onResponse(SHORT_TYPE[res.typeUrl] ?? res.typeUrl, res.size);
    const sub = this.sub(res.typeUrl);
    if (!sub) return; // not something we asked for
    const facts = this.facts.of(res);
    sub.version = res.versionInfo;
    sub.nonce = res.nonce;
    this.send(res.typeUrl, sub); // the ACK
    const ackedAt = now();
    sub.acked = true;
    if (facts.carriesChange && !this.changeAcked) {
      this.changeAcked = true;
      this.hooks.onChangeAcked(this, ackedAt);
    }
    // Then follow the subscriptions the response implies, in Envoy's order.
    if (res.typeUrl === CDS && facts.edsClusters) this.follow(EDS, facts.edsClusters);
    if (res.typeUrl === EDS && !this.subs.has(LDS)) this.request(LDS, WILDCARD);
    if (res.typeUrl === LDS && facts.routeNames) this.follow(RDS, facts.routeNames);
    if (!this.synced && [CDS, EDS, LDS, RDS].every((t) => this.subs.get(t)?.acked)) {
      this.synced = true;
      this.hooks.onSynced(this, ackedAt);
    }
  }

  private follow(typeUrl: string, names: readonly string[]): void {
    const current = this.subs.get(typeUrl);
    if (current && sameNames(current.names, names)) return;
    this.request(typeUrl, names);
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((n, i) => n === b[i]));
}

function encodedNode(id: string, httpProxyPort: number | undefined): Uint8Array {
  const Node = messageType('envoy.config.core.v3.Node');
  const metadata: Record<string, JsonValue> = { NAMESPACE: 'bench' };
  if (httpProxyPort !== undefined) metadata.PROXY_CONFIG = { proxyHttpPort: httpProxyPort };
  return Node.encode(Node.fromObject({ id, user_agent_name: 'isthmus-bench', metadata: structProto(metadata) })).finish();
}
