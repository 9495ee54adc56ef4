// Request mirroring (Istio's `mirror`/`mirrors`): a copy of the request goes to each mirror
// cluster the route's runtime fraction selects, with `-shadow` appended to the host as Envoy
// does. Fire and forget: the answer is read and dropped, failures are only counted.
import { sendAttempt, type AttemptRequest } from '../upstream/attempt.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';

type Fields = Record<string, unknown>;

/** How long a mirrored request may take to answer before it is given up. */
const MIRROR_TIMEOUT_MS = 15_000;

const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** A FractionalPercent as a probability in [0, 1]. */
export function fraction(fp: Fields | undefined): number {
  if (!fp) return 1;
  const d = DENOMINATORS[String(fp.denominator ?? 'HUNDRED')] ?? 100;
  return Math.min(1, Number(fp.numerator ?? 0) / d);
}

export function shadowAuthority(authority: string): string {
  const m = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(authority);
  return m ? `${m[1]}-shadow${m[2] ?? ''}` : `${authority}-shadow`;
}

export function mirrorTargets(action: Fields, random: () => number): string[] {
  const policies = (action.request_mirror_policies as Fields[] | undefined) ?? [];
  return policies.filter((p) => random() < fraction((p.runtime_fraction as Fields | undefined)?.default_value as Fields | undefined)).map((p) => String(p.cluster));
}

export function mirror(clusters: ClusterManager, names: readonly string[], request: AttemptRequest, log: (line: string) => void): void {
  for (const name of names) {
    const cluster = clusters.get(name);
    const authority = shadowAuthority(request.authority);
    const host = cluster?.pick({ authority });
    if (!cluster || !host) continue;
    const protocol = cluster.protocol === 'http2' ? 'http2' : 'http1';
    // Bounded like a try: a hung shadow cluster must not pile up requests.
    void sendAttempt({ ...request, authority }, { pool: cluster.poolFor(host), protocol, host: host.host, port: host.port, perTryTimeoutMs: MIRROR_TIMEOUT_MS }).then((r) => {
      if (r.ok) r.response.body.resume();
      else log(`mirror: ${name} ${host.key}: ${r.failure} (${r.message})`);
    }, (err: unknown) => log(`mirror: ${name} ${host.key}: ${(err as Error).message}`));
  }
}
