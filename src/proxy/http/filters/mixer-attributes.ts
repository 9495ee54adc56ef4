// The attribute bag of one request as the Mixer filter sends it (docs/attributes.md): what the
// request says about itself, who sent it (the verified certificate for source.principal, the
// calling sidecar's metadata exchange for source.labels/namespace/uid), and the workload's own
// facts from the filter's config (destination.*).
import { isIP } from 'node:net';
import { Duration, type AttributeValue } from '../../../mixer/attributes/types.js';
import type { WorkloadMetadata } from '../../observability/workload.js';
import type { StreamSummary } from '../observer.js';
import type { HttpStream } from '../stream.js';

/** Where mesh-observer.ts files the peer's metadata-exchange facts for a stream. */
const PEER_FILTER_STATE = 'isthmus.peer';

type Bag = Record<string, AttributeValue>;

/** An IP address as Mixer's IP_ADDRESS bytes (4 or 16); undefined for anything else. */
export function ipBytes(address: string): Uint8Array | undefined {
  const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const v = isIP(a);
  if (v === 4) return Uint8Array.from(a.split('.').map(Number));
  if (v !== 6) return undefined;
  const [head, tail = ''] = a.split('::') as [string, string?];
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = groups(tail ?? '');
  const full = a.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = new Uint8Array(16);
  full.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

function headerMap(headers: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Namespace and service account inside a SPIFFE id `spiffe://td/ns/NS/sa/SA`. */
function spiffeParts(principal: string): { namespace?: string } {
  const m = /\/ns\/([^/]+)\/sa\//.exec(principal);
  return m ? { namespace: m[1] } : {};
}

/** The request's attributes, before it goes upstream. */
export function requestAttributes(stream: HttpStream, own: Readonly<Bag>): Bag {
  const req = stream.request;
  const bag: Bag = { ...own };
  const q = req.path.indexOf('?');
  bag['request.path'] = req.path;
  bag['request.url_path'] = q < 0 ? req.path : req.path.slice(0, q);
  bag['request.method'] = req.method;
  bag['request.host'] = req.authority;
  bag['request.scheme'] = req.scheme;
  bag['request.headers'] = headerMap(req.headers);
  bag['request.time'] = new Date(stream.startTime);
  const size = Number(first(req.headers['content-length']) ?? 0);
  bag['request.size'] = Number.isFinite(size) ? size : 0;
  const id = first(req.headers['x-request-id']);
  if (id) bag['request.id'] = id;
  const ua = first(req.headers['user-agent']);
  if (ua) bag['request.useragent'] = ua;
  const referer = first(req.headers.referer);
  if (referer) bag['request.referer'] = referer;
  bag['context.protocol'] = stream.isGrpc ? 'grpc' : 'http';
  bag['context.reporter.kind'] = stream.direction === 'inbound' ? 'inbound' : 'outbound';
  const ip = ipBytes(stream.downstream.remoteAddress);
  if (ip) bag['source.ip'] = ip;
  bag['connection.mtls'] = stream.downstream.peer !== undefined;
  if (stream.downstream.serverName) bag['connection.requested_server_name'] = stream.downstream.serverName;
  const principal = stream.downstream.peer?.uriSans.find((s) => s.startsWith('spiffe://'));
  if (principal) {
    // Mixer's principals are Istio's: the SPIFFE id without its scheme.
    bag['source.principal'] = principal.slice('spiffe://'.length);
    const { namespace } = spiffeParts(principal);
    if (namespace) bag['source.namespace'] = namespace;
  }
  const peer = stream.filterState.get(PEER_FILTER_STATE) as WorkloadMetadata | undefined;
  if (peer) {
    bag['source.labels'] = peer.labels;
    if (peer.namespace) bag['source.namespace'] = peer.namespace;
    if (peer.name) bag['source.name'] = peer.name;
    if (peer.workloadName) bag['source.workload.name'] = peer.workloadName;
    if (peer.name && peer.namespace) bag['source.uid'] = `kubernetes://${peer.name}.${peer.namespace}`;
  }
  return bag;
}

/** The request's bag plus what the response said, for Report: sizes and duration as finally measured. */
export function responseAttributes(request: Readonly<Bag>, summary: StreamSummary, checkHit: boolean | undefined): Bag {
  const bag: Bag = { ...request };
  bag['response.code'] = summary.responseCode;
  bag['response.headers'] = headerMap(summary.responseHeaders ?? {});
  bag['response.size'] = summary.responseBytes;
  bag['request.size'] = summary.requestBytes;
  bag['response.time'] = new Date();
  bag['response.duration'] = new Duration(summary.durationMs);
  const grpc = summary.grpcStatus ?? first((summary.responseHeaders ?? {})['grpc-status']);
  if (grpc !== undefined) bag['response.grpc_status'] = String(grpc);
  if (checkHit !== undefined) bag['check.cache_hit'] = checkHit;
  return bag;
}
