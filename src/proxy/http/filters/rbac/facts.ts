// What an RBAC rule may look at, read off one stream: the request head, both ends of the
// connection, the verified mTLS peer and what earlier filters left in filter state (Envoy's
// dynamic metadata; the JWT filter's results live under `istio_authn`).
import { getHeader } from '../header-map.js';
import type { HttpStream } from '../../stream.js';

export interface RbacFacts {
  /** A request header, repeated values joined by ","; pseudo-headers :authority, :method, :path, :scheme. */
  header(name: string): string | undefined;
  /** The path without query string or fragment (after the connection manager normalized it). */
  readonly urlPath: string;
  readonly destinationIp: string;
  readonly destinationPort: number;
  /** The TCP peer. */
  readonly directRemoteIp: string;
  /** The original client: the peer, or for a sidecar the rightmost x-forwarded-for entry. */
  readonly remoteIp: string;
  readonly sni: string;
  /** Whether the peer presented a verified certificate. */
  readonly authenticated: boolean;
  /** The names Envoy tries for `authenticated.principal_name`: URI SANs, else DNS SANs, else the subject. */
  readonly principalNames: readonly string[];
  /** Filter state (dynamic metadata) by filter name. */
  metadata(filter: string): unknown;
}

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) reads as "10.0.0.1". */
export function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

function rightmostForwardedFor(stream: HttpStream): string | undefined {
  const xff = getHeader(stream.request.headers, 'x-forwarded-for');
  if (!xff) return undefined;
  const last = xff.split(',').map((s) => s.trim()).filter((s) => s !== '').pop();
  return last;
}

export function factsOf(stream: HttpStream): RbacFacts {
  const r = stream.request;
  const d = stream.downstream;
  const peer = d.peer;
  const cut = r.path.search(/[?#]/);
  const names = peer ? (peer.uriSans.length ? peer.uriSans : peer.dnsSans.length ? peer.dnsSans : [peer.subject]) : [];
  // A gateway (use_remote_address, no trusted hops) trusts only the TCP peer; a sidecar, like
  // Envoy without use_remote_address, takes the client address the previous hop appended.
  const remote = stream.direction === 'gateway' ? undefined : rightmostForwardedFor(stream);
  return {
    header(name: string): string | undefined {
      switch (name) {
        case ':authority': case 'host': return r.authority;
        case ':method': return r.method;
        case ':path': return r.path;
        case ':scheme': return r.scheme;
        default: return getHeader(r.headers, name);
      }
    },
    urlPath: cut < 0 ? r.path : r.path.slice(0, cut),
    destinationIp: plainIp(d.localAddress),
    destinationPort: d.localPort,
    directRemoteIp: plainIp(d.remoteAddress),
    remoteIp: plainIp(remote ?? d.remoteAddress),
    sni: d.serverName ?? '',
    authenticated: peer !== undefined,
    principalNames: names,
    metadata: (filter: string) => stream.filterState.get(filter),
  };
}
