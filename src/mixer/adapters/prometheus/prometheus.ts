// prometheus: each configured metric is a prom-client metric in Mixer's registry. A handler
// rebuilt by a config change keeps a metric whose definition did not change, so counters do not
// drop to zero on every unrelated edit.
import { Counter, Gauge, Histogram, exponentialBuckets, linearBuckets, type Registry } from 'prom-client';
import { Duration } from '../../attributes/types.js';
import { valueText } from '../../expr/values.js';
import type { Adapter, AdapterEnv, Instance } from '../adapter.js';
import { refMatches } from '../refs.js';
import type { PrometheusParams } from './params.js';

type Def = PrometheusParams['metrics'][number];
type Metric = Counter<string> | Gauge<string> | Histogram<string>;
interface Bound { def: Def; labels: string[]; metric: Metric }

const signatures = new WeakMap<Metric, string>();

export function createPrometheus(p: PrometheusParams, env: AdapterEnv): Adapter {
  const prefix = p.namespace ?? 'istio';
  const bound: Bound[] = p.metrics.map((def) => {
    const name = prefix ? `${prefix}_${def.name}` : def.name;
    const labels = def.label_names ?? [];
    return { def, labels, metric: metricFor(env.registry, name, def, labels) };
  });
  return {
    report(instances: readonly Instance[]) {
      for (const instance of instances) {
        for (const b of bound) {
          if (!refMatches(b.def.instance_name, instance.name, instance.namespace)) continue;
          const dims = (instance.fields.dimensions ?? {}) as Record<string, unknown>;
          const labels: Record<string, string> = {};
          for (const l of b.labels) labels[l] = dims[l] === undefined ? '' : valueText(dims[l] as never);
          const value = toNumber(instance.fields.value);
          if (b.metric instanceof Counter) {
            if (value >= 0) b.metric.inc(labels, value);
          } else if (b.metric instanceof Gauge) b.metric.set(labels, value);
          else b.metric.observe(labels, value);
        }
      }
    },
  };
}

/** Durations are observed in seconds, as Prometheus names such as *_duration_seconds promise. */
function toNumber(v: unknown): number {
  if (v instanceof Duration) return v.ms / 1000;
  return typeof v === 'number' ? v : Number(v);
}

function metricFor(registry: Registry, name: string, def: Def, labels: string[]): Metric {
  const signature = JSON.stringify([def.kind, labels, def.buckets ?? null, def.description ?? '']);
  const existing = registry.getSingleMetric(name) as Metric | undefined;
  if (existing && signatures.get(existing) === signature) return existing;
  if (existing) registry.removeSingleMetric(name);
  const common = { name, help: def.description ?? `${def.name} (Mixer metric instance ${def.instance_name})`, labelNames: labels, registers: [registry] };
  const metric: Metric = def.kind === 'COUNTER'
    ? new Counter(common)
    : def.kind === 'GAUGE'
      ? new Gauge(common)
      : new Histogram({ ...common, buckets: bucketsOf(def) });
  signatures.set(metric, signature);
  return metric;
}

function bucketsOf(def: Def): number[] | undefined {
  const b = def.buckets;
  if (!b) return undefined;
  if (b.explicit_buckets) return [...b.explicit_buckets.bounds].sort((x, y) => x - y);
  if (b.linear_buckets) return linearBuckets(b.linear_buckets.offset, b.linear_buckets.width, b.linear_buckets.num_finite_buckets);
  const e = b.exponential_buckets!;
  return exponentialBuckets(e.scale, e.growth_factor, e.num_finite_buckets);
}
