// consistentHash (DestinationRule) → the route's hash_policy, which tells a RING_HASH/MAGLEV
// cluster what to hash. It lives on the route, so the route looks up its destination's rule.
import type { LoadBalancerSettings } from '../../api/networking/destination-rule.js';
import { duration } from './proto.js';

export function hashPolicy(lb: LoadBalancerSettings | undefined): Record<string, unknown>[] | undefined {
  const ch = lb?.consistentHash;
  if (!ch) return undefined;
  if (ch.httpHeaderName) return [{ header: { header_name: ch.httpHeaderName } }];
  if (ch.httpCookie) {
    const cookie: Record<string, unknown> = { name: ch.httpCookie.name };
    if (ch.httpCookie.path) cookie.path = ch.httpCookie.path;
    const ttl = duration(ch.httpCookie.ttl);
    if (ttl) cookie.ttl = ttl;
    return [{ cookie }];
  }
  if (ch.useSourceIp) return [{ connection_properties: { source_ip: true } }];
  if (ch.httpQueryParameterName) return [{ query_parameter: { name: ch.httpQueryParameterName } }];
  return undefined;
}
