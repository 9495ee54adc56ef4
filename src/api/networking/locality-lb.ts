// LocalityLoadBalancerSetting: weights and failover between {region}/{zone}/{sub-zone}
// localities. The same message appears in MeshConfig, so it is exported on its own.
import { z } from 'zod';
import { obj, uint32 } from '../fields/common.js';

const distribute = obj({ from: z.string().optional(), to: z.record(z.string(), uint32).optional() });
const failover = obj({ from: z.string().optional(), to: z.string().optional() });

// Labels that describe the same thing `failover` does; Istio refuses both at once.
const TOPOLOGY_LABELS = ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'];

export const localityLbSetting = obj({
  distribute: z.array(distribute).optional(),
  failover: z.array(failover).optional(),
  failoverPriority: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
}).superRefine((lb, ctx) => {
  const dist = lb.distribute ?? [];
  const fail = lb.failover ?? [];
  if (dist.length > 0 && fail.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['failover'], message: 'distribute and failover cannot both be set', params: { hint: 'keep one of distribute or failover' } });
    return;
  }
  if (fail.length > 0) {
    (lb.failoverPriority ?? []).forEach((label, i) => {
      if (TOPOLOGY_LABELS.includes(label)) {
        ctx.addIssue({ code: 'custom', path: ['failoverPriority', i], message: `"${label}" cannot be used together with failover`, params: { hint: 'failover already orders by region; drop this label or drop failover' } });
      }
    });
  }
  dist.forEach((d, i) => {
    let total = 0;
    for (const [loc, weight] of Object.entries(d.to ?? {})) {
      if (weight < 1 || weight > 100) {
        ctx.addIssue({ code: 'custom', path: ['distribute', i, 'to', loc], message: `locality weight ${weight} is out of range`, params: { hint: 'use a weight from 1 to 100' } });
      }
      total += weight;
    }
    if (total !== 100) {
      ctx.addIssue({ code: 'custom', path: ['distribute', i, 'to'], message: `locality weights add up to ${total}`, params: { hint: 'the weights of one "from" locality must add up to 100' } });
    }
    checkLocalities(Object.keys(d.to ?? {}), (j) => ['distribute', i, 'to', Object.keys(d.to ?? {})[j] as string], ctx);
  });
  checkLocalities(dist.map((d) => d.from ?? ''), (j) => ['distribute', j, 'from'], ctx);
  fail.forEach((f, i) => {
    const from = f.from ?? '';
    const to = f.to ?? '';
    if (from === to) {
      ctx.addIssue({ code: 'custom', path: ['failover', i, 'to'], message: `failover goes from "${from}" to the same region`, params: { hint: 'failover must name two different regions' } });
    } else if (from.includes('/') || to.includes('/')) {
      ctx.addIssue({ code: 'custom', path: ['failover', i, from.includes('/') ? 'from' : 'to'], message: 'failover names regions only', params: { hint: 'use a region such as "us-east", not region/zone' } });
    } else if (from.includes('*') || to.includes('*')) {
      ctx.addIssue({ code: 'custom', path: ['failover', i, from.includes('*') ? 'from' : 'to'], message: 'failover regions cannot contain "*"', params: { hint: 'name the region exactly' } });
    }
  });
});
export type LocalityLbSetting = z.infer<typeof localityLbSetting>;

type Ctx = z.core.$RefinementCtx;

/** Localities are region[/zone[/sub-zone]] with one optional trailing "*"; none may cover another. */
function checkLocalities(list: readonly string[], pathOf: (i: number) => (string | number)[], ctx: Ctx): void {
  const seen: string[][] = [];
  list.forEach((loc, i) => {
    const stars = loc.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !loc.endsWith('*'))) {
      ctx.addIssue({ code: 'custom', path: pathOf(i), message: `locality "${loc}" has a misplaced "*"`, params: { hint: 'use at most one "*", at the end, e.g. "us-west/*"' } });
      return;
    }
    const parts = loc.split('/');
    if (parts.length > 3 || parts.some((p) => p === '')) {
      ctx.addIssue({ code: 'custom', path: pathOf(i), message: `locality "${loc}" is not region/zone/sub-zone`, params: { hint: 'use up to three non-empty parts, e.g. "us-west/zone1/*"' } });
      return;
    }
    // A trailing "*" segment means "everything below", i.e. the prefix before it.
    const segs = parts[parts.length - 1] === '*' ? parts.slice(0, -1) : parts;
    const covers = (a: string[], b: string[]) => a.length <= b.length && a.every((s, k) => s === b[k]);
    if (seen.some((prev) => covers(prev, segs) || covers(segs, prev))) {
      ctx.addIssue({ code: 'custom', path: pathOf(i), message: `locality "${loc}" overlaps one listed before it`, params: { hint: 'each locality may appear once; "a/*" already covers "a/b"' } });
    }
    seen.push(segs);
  });
}
