// Every adapter Mixer knows, by name. Adding one means adding one entry here (docs/adapters.md);
// implementations load lazily so validating config (isthmus apply, analyze) stays light.
import { defineAdapter, type AdapterInfo } from './adapter.js';
import { denierParams } from './denier/params.js';
import { listParams } from './list/params.js';
import { memquotaParams } from './memquota/params.js';
import { prometheusParams } from './prometheus/params.js';
import { redisquotaParams } from './redisquota/params.js';
import { stdioParams } from './stdio/params.js';
import { zipkinParams } from './zipkin/params.js';

export const ADAPTERS: readonly AdapterInfo<never>[] = [
  defineAdapter({
    name: 'denier', aliases: [], description: 'always answers with a fixed status',
    templates: ['checknothing', 'listentry', 'authorization'], params: denierParams,
    create: async (p, env) => (await import('./denier/denier.js')).createDenier(p, env),
  }),
  defineAdapter({
    name: 'list', aliases: ['listchecker'], description: 'allow or deny list of strings, regexes or IP ranges, inline or fetched',
    templates: ['listentry'], params: listParams,
    create: async (p, env) => (await import('./list/list.js')).createList(p, env),
  }),
  defineAdapter({
    name: 'memquota', aliases: [], description: 'quota in memory: fixed or rolling windows',
    templates: ['quota'], params: memquotaParams,
    create: async (p, env) => (await import('./memquota/memquota.js')).createMemquota(p, env),
  }),
  defineAdapter({
    name: 'redisquota', aliases: [], description: 'quota in Redis, shared by every Mixer replica',
    templates: ['quota'], params: redisquotaParams,
    create: async (p, env) => (await import('./redisquota/redisquota.js')).createRedisquota(p, env),
  }),
  defineAdapter({
    name: 'prometheus', aliases: [], description: 'metric instances as Prometheus metrics on /metrics',
    templates: ['metric'], params: prometheusParams,
    create: async (p, env) => (await import('./prometheus/prometheus.js')).createPrometheus(p, env),
  }),
  defineAdapter({
    name: 'stdio', aliases: [], description: 'log entries as JSON lines, to a stream or rotated files',
    templates: ['logentry'], params: stdioParams,
    create: async (p, env) => (await import('./stdio/stdio.js')).createStdio(p, env),
  }),
  defineAdapter({
    name: 'zipkin', aliases: [], description: 'trace spans to a Zipkin v2 collector, sampled by trace id and batched',
    templates: ['tracespan'], params: zipkinParams,
    create: async (p, env) => (await import('./zipkin/zipkin.js')).createZipkin(p, env),
  }),
] as unknown as readonly AdapterInfo<never>[];

export function adapterNamed(name: string): AdapterInfo<unknown> | undefined {
  return ADAPTERS.find((a) => a.name === name || a.aliases.includes(name)) as AdapterInfo<unknown> | undefined;
}

export function adapterNames(): string[] {
  return ADAPTERS.map((a) => a.name);
}
