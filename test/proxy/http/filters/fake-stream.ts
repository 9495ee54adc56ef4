// A small stand-in for the connection manager's stream, for testing filters one level below the
// proxy: the route is picked from a real RouteConfiguration by the real matcher, per-route
// configs are looked up route → virtual host → route table as the proxy does, local replies are
// recorded, and runChain() plays a decode chain and the encode chain over a local reply or a given
// upstream response, then pushes the body through the transforms the filters added.
import { Readable, type Transform } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { FilterContext, FilterStatus, HttpFilter, HttpFilterFactory } from '../../../../src/proxy/http/filter.js';
import type {
  DownstreamInfo, Fields, Headers, HttpStream, LocalReply, RequestHead, ResponseFlag, ResponseHead, UpstreamInfo,
} from '../../../../src/proxy/http/stream.js';
import { matchRoute, type RouteMatchResult } from '../../../../src/proxy/router/route-match.js';

export interface FakeStreamOptions {
  method?: string;
  path?: string;
  authority?: string;
  headers?: Headers;
  protocol?: RequestHead['protocol'];
  /** The route table; defaults to one virtual host `*` whose `/` route goes to cluster `backend`. */
  routeTable?: Fields;
}

/** A route table with one catch-all route to `cluster`, carrying the given per-filter configs. */
export function routeTable(o: { route?: Fields; vhost?: Fields; table?: Fields; cluster?: string; routes?: Fields[] } = {}): Fields {
  const route: Fields = { match: { prefix: '/' }, route: { cluster: o.cluster ?? 'backend' } };
  if (o.route) route.typed_per_filter_config = o.route;
  const vhost: Fields = { name: 'vh', domains: ['*'], routes: [...(o.routes ?? []), route] };
  if (o.vhost) vhost.typed_per_filter_config = o.vhost;
  const table: Fields = { name: 'rt', virtual_hosts: [vhost] };
  if (o.table) table.typed_per_filter_config = o.table;
  return table;
}

export class FakeStream implements HttpStream {
  readonly request: RequestHead;
  readonly downstream: DownstreamInfo = {
    remoteAddress: '10.1.2.3', remotePort: 40000, localAddress: '10.9.8.7', localPort: 8080, tls: false,
  };
  readonly startTime = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
  readonly startHr = process.hrtime.bigint();
  readonly routeConfigName = 'rt';
  readonly direction = 'outbound' as const;
  route: RouteMatchResult | undefined;
  upstream: UpstreamInfo | undefined;
  readonly responseFlags = new Set<ResponseFlag>();
  readonly responseTransforms: Transform[] = [];
  readonly filterState = new Map<string, unknown>();
  readonly localReplies: LocalReply[] = [];
  done = false;

  constructor(private readonly table: Fields, o: FakeStreamOptions) {
    this.request = {
      method: o.method ?? 'GET',
      authority: o.authority ?? 'example.com',
      path: o.path ?? '/',
      scheme: 'http',
      headers: { ...(o.headers ?? {}) },
      protocol: o.protocol ?? 'HTTP/1.1',
    };
    this.route = matchRoute(table, this.request);
  }

  get isGrpc(): boolean {
    const ct = this.request.headers['content-type'];
    return typeof ct === 'string' && ct.startsWith('application/grpc');
  }

  clearRouteCache(): void {
    this.route = matchRoute(this.table, this.request);
  }

  perFilterConfig(name: string): Fields | undefined {
    const pick = (o: unknown) => (o as { typed_per_filter_config?: Record<string, Fields> } | undefined)?.typed_per_filter_config?.[name];
    return pick(this.route?.route) ?? pick(this.route?.virtualHost) ?? pick(this.table);
  }

  sendLocalReply(reply: LocalReply): void {
    this.localReplies.push(reply);
    if (reply.flag) this.responseFlags.add(reply.flag);
    this.done = true;
  }

  get localReply(): LocalReply | undefined {
    return this.localReplies[0];
  }
}

export function fakeStream(o: FakeStreamOptions = {}): FakeStream {
  return new FakeStream(o.routeTable ?? routeTable(), o);
}

/** A FilterContext whose log lines are kept. */
export function filterContext(name: string): FilterContext & { lines: string[] } {
  const lines: string[] = [];
  return { name, lines, log: (line) => lines.push(line) };
}

/** Builds a filter the way the proxy does: from its factory, with its chain name. */
export function build(factory: HttpFilterFactory, config: Fields, name: string): HttpFilter {
  return factory.create(config, filterContext(name));
}

export interface Upstream {
  status: number;
  headers?: Headers;
  body?: string | Buffer | Readable;
}

export interface ChainResult {
  /** undefined when a filter stopped the chain without answering. */
  head?: ResponseHead;
  body: Buffer;
  local?: LocalReply;
  decodeStatus: FilterStatus;
}

/** Decode in order, then encode in reverse over the local reply or the upstream response. */
export async function runChain(filters: readonly HttpFilter[], stream: FakeStream, upstream: Upstream = { status: 200 }): Promise<ChainResult> {
  let decodeStatus: FilterStatus = 'continue';
  for (const f of filters) {
    if (!f.decodeHeaders) continue;
    decodeStatus = await f.decodeHeaders(stream);
    if (decodeStatus === 'stop') break;
  }
  const local = stream.localReply;
  if (decodeStatus === 'stop' && !local) return { body: Buffer.alloc(0), decodeStatus };
  const head: ResponseHead = local
    ? { status: local.status, headers: { ...(local.headers ?? {}) } }
    : { status: upstream.status, headers: { ...(upstream.headers ?? {}) } };
  const source = local ? local.body ?? '' : upstream.body ?? '';
  for (const f of [...filters].reverse()) await f.encodeHeaders?.(stream, head);
  let tail: Readable = source instanceof Readable ? source : Readable.from([Buffer.from(source)]);
  for (const t of stream.responseTransforms) tail = tail.pipe(t);
  return { head, body: await buffer(tail), ...(local ? { local } : {}), decodeStatus };
}
