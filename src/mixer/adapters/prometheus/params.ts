// prometheus: metric instances become Prometheus counters, gauges and histograms on Mixer's
// /metrics. Field names as in Istio's prometheus handler (snake_case, as its samples write them).
import { z } from 'zod';
import { obj, oneOf } from '../../../api/fields/common.js';

export const METRIC_KINDS = ['COUNTER', 'GAUGE', 'DISTRIBUTION'] as const;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const buckets = oneOf(obj({
  explicit_buckets: obj({ bounds: z.array(z.number()).min(1) }).optional(),
  linear_buckets: obj({ num_finite_buckets: z.number().int().min(1), width: z.number().positive(), offset: z.number() }).optional(),
  exponential_buckets: obj({ num_finite_buckets: z.number().int().min(1), growth_factor: z.number().gt(1), scale: z.number().positive() }).optional(),
}), ['explicit_buckets', 'linear_buckets', 'exponential_buckets'], { required: true });

const metric = obj({
  name: z.string().regex(METRIC_NAME, { message: 'is not a valid Prometheus metric name (letters, digits, "_" and ":", not starting with a digit)' }),
  /** The metric instance: `name`, `name.namespace` or `name.instance.namespace`. */
  instance_name: z.string().min(1),
  kind: z.enum(METRIC_KINDS),
  description: z.string().optional(),
  label_names: z.array(z.string().regex(LABEL_NAME, { message: 'is not a valid Prometheus label name' })).optional(),
  buckets: buckets.optional(),
}).superRefine((m, ctx) => {
  if (m.buckets && m.kind !== 'DISTRIBUTION') ctx.addIssue({ code: 'custom', path: ['buckets'], message: `buckets apply only to DISTRIBUTION metrics, not ${m.kind}`, params: { hint: 'remove buckets or use kind: DISTRIBUTION' } });
});

export const prometheusParams = obj({
  metrics: z.array(metric).min(1),
  /** Prefix of every metric name (Istio's adapter exposes istio_<name>); "" for none. */
  namespace: z.string().optional(),
});
export type PrometheusParams = z.output<typeof prometheusParams>;
