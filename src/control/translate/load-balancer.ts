// LoadBalancerSettings → the cluster's lb_policy and its config. gRPC clients implement only
// ROUND_ROBIN and RING_HASH, so for them other policies fall back to those (documented).
import type { LoadBalancerSettings } from '../../api/networking/destination-rule.js';
import type { ClientKind } from './context.js';
import { u32 } from './proto.js';

export function lbFields(lb: LoadBalancerSettings | undefined, kind: ClientKind): Record<string, unknown> {
  const proxyless = kind === 'proxyless';
  const ch = lb?.consistentHash;
  if (ch) {
    const minRing = ch.ringHash?.minimumRingSize ?? ch.minimumRingSize;
    if (ch.maglev && !proxyless) {
      return { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: u32(ch.maglev.tableSize ?? 65537) } };
    }
    const ring: Record<string, unknown> = { hash_function: 'XX_HASH' };
    if (minRing) ring.minimum_ring_size = u32(minRing);
    return { lb_policy: 'RING_HASH', ring_hash_lb_config: ring };
  }
  if (proxyless) return { lb_policy: 'ROUND_ROBIN' };
  switch (lb?.simple) {
    case 'ROUND_ROBIN': return { lb_policy: 'ROUND_ROBIN' };
    case 'RANDOM': return { lb_policy: 'RANDOM' };
    case 'PASSTHROUGH': return { lb_policy: 'CLUSTER_PROVIDED' };
    // LEAST_CONN is the deprecated name; UNSPECIFIED is Istio's default, LEAST_REQUEST.
    default: return { lb_policy: 'LEAST_REQUEST' };
  }
}
