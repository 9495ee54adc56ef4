// The request head the router sends upstream: the client's end-to-end headers after the route's
// rewrites, plus what Envoy adds on the way (x-forwarded-proto, x-forwarded-for at the edge; the
// connection manager already gave the request its x-request-id).
import type { ActiveStream } from '../http/active-stream.js';
import type { Headers } from '../http/stream.js';
import type { AttemptRequest } from '../upstream/attempt.js';
import { rewriteRequest } from './rewrite.js';

type Fields = Record<string, unknown>;

export function upstreamRequestHead(stream: ActiveStream, action: Fields, useRemoteAddress: boolean): Omit<AttemptRequest, 'body'> {
  const req = stream.request;
  const { path, authority } = rewriteRequest(action, stream.route?.route ?? {}, req.path, req.authority);
  const headers: Headers = { ...req.headers };
  headers['x-forwarded-proto'] ??= req.scheme;
  if (useRemoteAddress) {
    const prior = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior ? `${String(prior)}, ${stream.downstream.remoteAddress}` : stream.downstream.remoteAddress;
  }
  if (authority !== req.authority) headers['x-forwarded-host'] = req.authority;
  return { method: req.method, path, authority, scheme: 'http', headers };
}
