// envoy.filters.http.router: the last filter, which acts on the chosen route — answers a
// redirect or direct response itself, otherwise picks the cluster (by weight), reads the body as
// retries need it, and forwards.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { proxyUpgrade } from '../upgrade.js';
import { pickWeightedCluster } from '../../router/route-match.js';
import { redirectFor } from '../../router/redirect.js';
import { forward } from '../../router/forward.js';
import { mirror, mirrorTargets } from '../../router/mirror.js';
import { hasBody, readBody, RETRY_BUFFER_LIMIT } from '../../router/request-body.js';
import { upstreamRequestHead } from '../../router/upstream-request.js';
import { durationMs } from '../../xds-client/fields.js';
import type { ClusterManager } from '../../upstream/cluster-manager.js';
import type { ActiveStream } from '../active-stream.js';
import type { FilterStatus, HttpFilter, HttpFilterFactory } from '../filter.js';
import type { ProxyObserver } from '../observer.js';
import type { Fields, HttpStream } from '../stream.js';
import { compileHashPolicy, type HashPolicy } from '../../upstream/hash-policy.js';
import { compileRetryPolicy, type RetryPolicy } from '../../upstream/retry-policy.js';
import { applyHeaderValueOptions } from './header-value-option.js';

export const ROUTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** Envoy's route timeout when the route names none. */
const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

export function routerFilterFactory(clusters: ClusterManager, observer: ProxyObserver): HttpFilterFactory {
  return {
    typeUrl: ROUTER_TYPE_URL,
    create(): HttpFilter {
      return { decodeHeaders: (s) => route(s as ActiveStream, clusters, observer) };
    },
  };
}

function route(stream: ActiveStream, clusters: ClusterManager, observer: ProxyObserver): FilterStatus {
  const match = stream.route;
  if (!match) {
    stream.sendLocalReply({ status: 404, flag: 'NR', details: 'route_not_found' });
    return 'stop';
  }
  // VirtualHost.require_tls (Istio's Gateway httpsRedirect): plaintext requests are sent to https.
  const requireTls = match.virtualHost.require_tls;
  if ((requireTls === 'ALL' || requireTls === 'EXTERNAL_ONLY') && stream.request.scheme === 'http') {
    const authority = stream.request.authority.replace(/:80$/, '');
    stream.sendLocalReply({ status: 301, headers: { location: `https://${authority}${stream.request.path}` }, details: 'tls_required' });
    return 'stop';
  }
  const { action } = match;
  switch (action.kind) {
    case 'redirect': {
      const r = redirectFor(action.redirect, match.route, stream.request);
      stream.sendLocalReply({ status: r.status, headers: { location: r.location }, details: 'redirect' });
      return 'stop';
    }
    case 'direct_response':
      stream.sendLocalReply({ status: action.status, ...(action.body !== undefined ? { body: action.body } : {}), details: 'direct_response' });
      return 'stop';
    case 'non_forwarding':
      stream.sendLocalReply({ status: 404, flag: 'NR', details: 'route_not_found' });
      return 'stop';
  }
  const name = action.kind === 'cluster' ? action.cluster : pickWeightedCluster(action.clusters, Math.random());
  const cluster = name === undefined ? undefined : clusters.get(name);
  if (!cluster) {
    stream.sendLocalReply({ status: 503, body: 'cluster not found', flag: 'NC', details: 'cluster_not_found' });
    return 'stop';
  }
  if (stream.upgrade) {
    // The filters before the router have allowed the upgrade: from here on the bytes are spliced.
    (stream.res as ServerResponse).detachSocket(stream.upgrade.socket);
    proxyUpgrade(stream.req as IncomingMessage, stream.upgrade, stream.request, match, cluster, stream.log);
    return 'stop';
  }
  const routeAction = (match.route.route ?? {}) as Fields;
  const head = upstreamRequestHead(stream, routeAction, stream.useRemoteAddress);
  // Route, then virtual host, then route configuration: the most general level is applied last
  // and wins (Envoy's default, most_specific_header_mutations_wins unset).
  const levels = [match.route, match.virtualHost, stream.routeTable ?? {}] as Fields[];
  for (const level of levels) {
    applyHeaderValueOptions(head.headers, level.request_headers_to_add as Fields[] | undefined, stream, level.request_headers_to_remove as string[] | undefined);
  }
  observer.onUpstreamRequest?.(stream, head.headers);
  const retry = retryPolicyOf((routeAction.retry_policy ?? match.virtualHost.retry_policy) as Fields | undefined);
  const hashed = hashPolicyOf(routeAction.hash_policy as Fields[] | undefined)?.compute({
    headers: stream.request.headers,
    path: stream.request.path,
    sourceIp: stream.downstream.remoteAddress,
  });
  const hash = hashed?.hash;
  const timeoutMs = routeTimeoutMs(routeAction, stream);
  const responseHeaders = (headers: Record<string, string | string[]>) => {
    for (const level of levels) {
      applyHeaderValueOptions(headers, level.response_headers_to_add as Fields[] | undefined, stream, level.response_headers_to_remove as string[] | undefined);
    }
    // A cookie hash policy with a ttl made up the cookie it hashed: the client must get it back
    // to stick to the endpoint on its next request.
    if (hashed && hashed.setCookies.length > 0) addSetCookies(headers, hashed.setCookies);
  };
  const mirrors = mirrorTargets(routeAction, Math.random);
  const go = (body: Buffer | Readable | undefined) => {
    // A streamed body can be read once only: mirrors get a copy only of buffered ones.
    if (mirrors.length > 0 && !(body instanceof Object && 'pipe' in body)) mirror(clusters, mirrors, { ...head, body }, stream.log);
    return forward(stream, { cluster, request: { ...head, body }, timeoutMs, responseHeaders, ...(retry ? { retry } : {}), ...(hash !== undefined ? { hash } : {}) });
  };
  const count = (n: number) => (stream.requestBytes += n);
  if (!hasBody(stream.req, stream.request.protocol)) {
    void go(undefined).catch((err) => failed(stream, err));
  } else if ((retry && retry.numRetries > 0) || mirrors.length > 0) {
    void readBody(stream.req, RETRY_BUFFER_LIMIT, count)
      .then((b) => go(b.kind === 'buffer' ? b.data : b.kind === 'stream' ? b.stream : undefined))
      .catch((err) => failed(stream, err));
  } else {
    stream.req.on('data', (c: Buffer) => count(c.length));
    void go(stream.req as Readable).catch((err) => failed(stream, err));
  }
  return 'stop';
}

// Compiled once per route object: RDS replaces the objects when the config changes.
const retryPolicies = new WeakMap<Fields, RetryPolicy | undefined>();
const hashPolicies = new WeakMap<Fields[], HashPolicy>();

function retryPolicyOf(rp: Fields | undefined): RetryPolicy | undefined {
  if (!rp) return undefined;
  if (!retryPolicies.has(rp)) retryPolicies.set(rp, compileRetryPolicy(rp));
  return retryPolicies.get(rp);
}

function hashPolicyOf(hp: Fields[] | undefined): HashPolicy | undefined {
  if (!hp || hp.length === 0) return undefined;
  let p = hashPolicies.get(hp);
  if (!p) {
    p = compileHashPolicy(hp);
    hashPolicies.set(hp, p);
  }
  return p;
}

function addSetCookies(headers: Record<string, string | string[]>, cookies: readonly string[]): void {
  const existing = headers['set-cookie'];
  headers['set-cookie'] = [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]), ...cookies];
}

function failed(stream: HttpStream, err: unknown): void {
  (stream as ActiveStream).log(`router: ${(err as Error).stack ?? String(err)}`);
  stream.sendLocalReply({ status: 500, body: 'internal error', details: 'router_error' });
}

/**
 * The route timeout: RouteAction.timeout (0 disables; unset is Envoy's 15 s), replaced by a gRPC
 * client's grpc-timeout when max_stream_duration.grpc_timeout_header_max is set.
 */
function routeTimeoutMs(action: Fields, stream: ActiveStream): number {
  let timeout = durationMs(action.timeout) ?? DEFAULT_ROUTE_TIMEOUT_MS;
  const msd = action.max_stream_duration as Fields | undefined;
  const headerMax = msd ? durationMs(msd.grpc_timeout_header_max) : undefined;
  const grpcTimeout = stream.isGrpc ? parseGrpcTimeout(stream.request.headers['grpc-timeout']) : undefined;
  if (grpcTimeout !== undefined && headerMax !== undefined) {
    // Envoy: the header replaces the route timeout, capped by the max when that is non-zero.
    timeout = headerMax > 0 ? Math.min(grpcTimeout, headerMax) : grpcTimeout;
  }
  return timeout;
}

const GRPC_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** grpc-timeout: up to 8 digits and a unit (gRPC over HTTP/2 spec). */
export function parseGrpcTimeout(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const m = v === undefined ? null : /^(\d{1,8})([HMSmun])$/.exec(v);
  return m ? Number(m[1]) * GRPC_UNITS[m[2]!]! : undefined;
}
