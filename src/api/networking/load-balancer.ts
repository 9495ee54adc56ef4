// LoadBalancerSettings: how a client proxy picks an endpoint of the destination.
import { z } from 'zod';
import { duration, obj, oneOf } from '../fields/common.js';
import { policyDuration } from './durations.js';
import { localityLbSetting } from './locality-lb.js';

/** LEAST_CONN is deprecated in favour of LEAST_REQUEST but still accepted. */
export const SIMPLE_LB = ['UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'] as const;

// uint64 in the proto; YAML numbers beyond 2^53 cannot be represented exactly anyway.
const uint64 = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const cookieAttribute = obj({ name: z.string().min(1), value: z.string().optional() });

const httpCookie = obj({
  name: z.string().min(1),
  path: z.string().optional(),
  // Zero is meaningful here (a session cookie), so no 1ms minimum.
  ttl: duration().optional(),
  attributes: z.array(cookieAttribute).optional(),
});

// Envoy rejects a Maglev table whose size is not a prime below 5000011.
const MAGLEV_MAX = 5000011;
const maglev = obj({ tableSize: uint64.optional() }).superRefine((m, ctx) => {
  const n = m.tableSize ?? 0;
  if (n === 0) ctx.addIssue({ code: 'custom', path: ['tableSize'], message: 'tableSize must be set for maglev', params: { hint: 'use a prime such as 65537' } });
  else if (n >= MAGLEV_MAX) ctx.addIssue({ code: 'custom', path: ['tableSize'], message: `tableSize ${n} is too large`, params: { hint: `use a prime below ${MAGLEV_MAX}, e.g. 65537` } });
  else if (!isPrime(n)) ctx.addIssue({ code: 'custom', path: ['tableSize'], message: `tableSize ${n} is not a prime number`, params: { hint: 'use a prime such as 65537' } });
});

const consistentHashBase = obj({
  httpHeaderName: z.string().min(1).optional(),
  httpCookie: httpCookie.optional(),
  useSourceIp: z.boolean().optional(),
  httpQueryParameterName: z.string().min(1).optional(),
  ringHash: obj({ minimumRingSize: uint64.optional() }).optional(),
  maglev: maglev.optional(),
  /** Deprecated: use ringHash.minimumRingSize. */
  minimumRingSize: uint64.optional(),
});

const consistentHash = oneOf(
  oneOf(
    consistentHashBase.superRefine((c, ctx) => {
      if (c.minimumRingSize !== undefined && (c.ringHash !== undefined || c.maglev !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['minimumRingSize'], message: 'the deprecated minimumRingSize cannot be combined with ringHash or maglev', params: { hint: 'move it to ringHash.minimumRingSize' } });
      }
    }),
    ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'],
  ),
  ['ringHash', 'maglev'],
);

const warmup = obj({
  duration: policyDuration(),
  minimumPercent: z.number().min(0).max(100).optional(),
  aggression: z.number().min(1).optional(),
});

export const loadBalancerSettings = oneOf(
  obj({
    simple: z.enum(SIMPLE_LB).optional(),
    consistentHash: consistentHash.optional(),
    localityLbSetting: localityLbSetting.optional(),
    /** Deprecated: use warmup.duration. */
    warmupDurationSecs: policyDuration().optional(),
    warmup: warmup.optional(),
  }),
  ['simple', 'consistentHash'],
);
export type LoadBalancerSettings = z.infer<typeof loadBalancerSettings>;

// Envoy's own test (so 1 passes, as it does there).
function isPrime(n: number): boolean {
  if (n > 0 && n < 4) return true;
  if (n % 2 === 0) return false;
  for (let f = 3; f * f <= n; f += 2) if (n % f === 0) return false;
  return true;
}
