// The attribute bag of one request as the Mixer filter sends it (docs/attributes.md): what the
// request says about itself, who sent it (the verified certificate for source.principal, the
// calling sidecar's metadata exchange for source.labels/namespace/uid), and the workload's own
// facts from the filter's config (destination.*).
//
// The bag is lazy: a RequestBag reads each attribute from the stream only when asked, through a
// getter named after the attribute, so a warm Check — which reads just the attributes the cached
// decision referenced — builds none of the others. Report asks for all of them once, at stream
// end, writing each straight into the compressed batch (mixerclient/report-encoder.ts).
import { isIP } from 'node:net';
import { Duration, type AttributeValue } from '../../../mixer/attributes/types.js';
import type { AttributeSink, AttributeSource } from '../../../mixerclient/report-encoder.js';
import type { WorkloadMetadata } from '../../observability/workload.js';
import type { StreamSummary } from '../observer.js';
import type { Headers, HttpStream } from '../stream.js';

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

/**
 * The last address converted: a keep-alive connection's requests share their peer, so source.ip
 * is parsed once per connection rather than per request. Readers never write to these bytes.
 */
let lastAddress = '';
let lastIp: Uint8Array | undefined;
function sourceIp(address: string): Uint8Array | undefined {
  if (address !== lastAddress) {
    lastIp = ipBytes(address);
    lastAddress = address;
  }
  return lastIp;
}

function headerMap(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k]!;
    out[k] = typeof v === 'string' ? v : v.join(',');
  }
  return out;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Namespace inside a SPIFFE id `spiffe://td/ns/NS/sa/SA`. */
function spiffeNamespace(principal: string): string | undefined {
  return /\/ns\/([^/]+)\/sa\//.exec(principal)?.[1];
}

const STREAM = Symbol('stream');
const OWN = Symbol('own');
const HEADERS = Symbol('headers');
const RAW = Symbol('raw');

type Reader = (b: RequestBag) => AttributeValue | undefined;

const peerOf = (b: RequestBag): WorkloadMetadata | undefined => b[STREAM].filterState.get(PEER_FILTER_STATE) as WorkloadMetadata | undefined;
const principalOf = (b: RequestBag): string | undefined => b[STREAM].downstream.peer?.uriSans.find((s) => s.startsWith('spiffe://'));
const orUndefined = (s: string | undefined): string | undefined => (s ? s : undefined);

/**
 * Every attribute the filter derives from the request, and how. A reader returning undefined
 * leaves the attribute to the filter's own attributes (or absent), as the bag always did.
 */
const READERS: ReadonlyArray<readonly [string, Reader]> = [
  ['request.path', (b) => b[STREAM].request.path],
  ['request.url_path', (b) => {
    const p = b[STREAM].request.path;
    const q = p.indexOf('?');
    return q < 0 ? p : p.slice(0, q);
  }],
  ['request.method', (b) => b[STREAM].request.method],
  ['request.host', (b) => b[STREAM].request.authority],
  ['request.scheme', (b) => b[STREAM].request.scheme],
  ['request.headers', (b) => b.requestHeaders()],
  ['request.time', (b) => new Date(b[STREAM].startTime)],
  ['request.size', (b) => {
    const size = Number(first(b.rawHeaders()['content-length']) ?? 0);
    return Number.isFinite(size) ? size : 0;
  }],
  ['request.id', (b) => orUndefined(first(b.rawHeaders()['x-request-id']))],
  ['request.useragent', (b) => orUndefined(first(b.rawHeaders()['user-agent']))],
  ['request.referer', (b) => orUndefined(first(b.rawHeaders().referer))],
  ['context.protocol', (b) => (b[STREAM].isGrpc ? 'grpc' : 'http')],
  ['context.reporter.kind', (b) => (b[STREAM].direction === 'inbound' ? 'inbound' : 'outbound')],
  ['source.ip', (b) => sourceIp(b[STREAM].downstream.remoteAddress)],
  ['connection.mtls', (b) => b[STREAM].downstream.peer !== undefined],
  ['connection.requested_server_name', (b) => orUndefined(b[STREAM].downstream.serverName)],
  // Mixer's principals are Istio's: the SPIFFE id without its scheme.
  ['source.principal', (b) => principalOf(b)?.slice('spiffe://'.length)],
  ['source.namespace', (b) => {
    const peer = peerOf(b);
    if (peer?.namespace) return peer.namespace;
    const principal = principalOf(b);
    return principal ? spiffeNamespace(principal) : undefined;
  }],
  ['source.labels', (b) => peerOf(b)?.labels],
  ['source.name', (b) => orUndefined(peerOf(b)?.name)],
  ['source.workload.name', (b) => orUndefined(peerOf(b)?.workloadName)],
  ['source.uid', (b) => {
    const peer = peerOf(b);
    return peer?.name && peer.namespace ? `kubernetes://${peer.name}.${peer.namespace}` : undefined;
  }],
];
const DERIVED = new Set(READERS.map(([name]) => name));

/**
 * One request's attributes, read on demand. Each attribute is a getter of its own name on the
 * prototype (`bag['request.path']`), so the client library's cache reads it like a plain bag;
 * `writeAttributes` gives every attribute to a sink (a Check on the wire, a Report).
 */
export class RequestBag implements AttributeSource {
  readonly [STREAM]: HttpStream;
  readonly [OWN]: Readonly<Bag>;
  [HEADERS]: Record<string, string> | undefined;
  [RAW]: Headers | undefined;
  /** Whether the Check was answered by the client's cache (check.cache_hit); undefined until it was answered. */
  checkHit: boolean | undefined;

  constructor(stream: HttpStream, own: Readonly<Bag>) {
    this[STREAM] = stream;
    this[OWN] = own;
    this[HEADERS] = undefined;
    this[RAW] = undefined;
    this.checkHit = undefined;
  }

  /**
   * Keeps the request headers as they are now, for a bag read later (Report, at stream end):
   * filters after this one in the chain may still add or remove headers.
   */
  snapshot(): void {
    if (this[RAW] !== undefined) return;
    const live = this[STREAM].request.headers;
    this[HEADERS] = headerMap(live);
    // The joined map is the raw headers too, unless a header came more than once (request.id reads its first value).
    let repeated = false;
    for (const k in live) if (typeof live[k] !== 'string') repeated = true;
    this[RAW] = repeated ? { ...live } : this[HEADERS];
  }

  rawHeaders(): Headers {
    return this[RAW] ?? this[STREAM].request.headers;
  }

  /** request.headers as a string map (several values of one header joined with commas). */
  requestHeaders(): Record<string, string> {
    return (this[HEADERS] ??= headerMap(this.rawHeaders()));
  }

  writeAttributes(sink: AttributeSink): void {
    this.writeRequest(sink, undefined);
  }

  /** The request's attributes; `requestSize` (the bytes finally read) replaces the Content-Length guess. */
  writeRequest(sink: AttributeSink, requestSize: number | undefined): void {
    const own = this[OWN];
    for (const name in own) if (!DERIVED.has(name)) sink.put(name, own[name]);
    for (let i = 0; i < READERS.length; i++) {
      const [name, read] = READERS[i]!;
      if (requestSize !== undefined && name === 'request.size') sink.put(name, requestSize);
      else sink.put(name, read(this) ?? own[name]);
    }
  }
}

for (const [name, read] of READERS) {
  Object.defineProperty(RequestBag.prototype, name, {
    get(this: RequestBag) {
      return read(this) ?? this[OWN][name];
    },
  });
}

/**
 * A constructor of RequestBags for one filter config: the workload's own attributes are data
 * properties of its prototype, so `bag['destination.service.host']` is found without a copy per request.
 */
export function requestBagFactory(own: Readonly<Bag>): (stream: HttpStream) => RequestBag {
  class WithOwn extends RequestBag {}
  for (const name of Object.keys(own)) {
    if (!DERIVED.has(name)) Object.defineProperty(WithOwn.prototype, name, { value: own[name], enumerable: true });
  }
  return (stream) => new WithOwn(stream, own);
}

/** The request's bag plus what the response said, for Report: sizes and duration as finally measured. */
export class ReportedAttributes implements AttributeSource {
  constructor(private readonly request: RequestBag, private readonly summary: StreamSummary) {}

  writeAttributes(sink: AttributeSink): void {
    const s = this.summary;
    this.request.writeRequest(sink, s.requestBytes);
    const headers = s.responseHeaders ?? {};
    sink.put('response.code', s.responseCode);
    sink.put('response.headers', headerMap(headers));
    sink.put('response.size', s.responseBytes);
    sink.put('response.time', new Date());
    sink.put('response.duration', new Duration(s.durationMs));
    const grpc = s.grpcStatus ?? first(headers['grpc-status']);
    if (grpc !== undefined) sink.put('response.grpc_status', String(grpc));
    if (this.request.checkHit !== undefined) sink.put('check.cache_hit', this.request.checkHit);
  }
}

function toBag(source: AttributeSource): Bag {
  const out: Bag = {};
  source.writeAttributes({ put: (name, value) => { if (value !== undefined) out[name] = value; } });
  return out;
}

/** The request's attributes as a plain object (tests, tools). */
export function requestAttributes(stream: HttpStream, own: Readonly<Bag>): Bag {
  return toBag(new RequestBag(stream, own));
}

/** The attributes a Report carries for a finished stream, as a plain object (tests, tools). */
export function reportedAttributes(request: RequestBag, summary: StreamSummary): Bag {
  return toBag(new ReportedAttributes(request, summary));
}
