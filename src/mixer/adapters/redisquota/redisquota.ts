// redisquota: the same limits as memquota, counted in Redis by atomic Lua scripts, so N Mixer
// replicas on one Redis grant N-replica traffic one quota, not N quotas.
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import type { Adapter, AdapterEnv, QuotaGrant } from '../adapter.js';
import { dedupMs, resolveLimit } from '../quota/limits.js';
import type { RedisquotaParams } from './params.js';
import { FIXED_WINDOW_SCRIPT, ROLLING_WINDOW_SCRIPT } from './scripts.js';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const SCRIPTS = { FIXED_WINDOW: { text: FIXED_WINDOW_SCRIPT, sha: sha1(FIXED_WINDOW_SCRIPT) }, ROLLING_WINDOW: { text: ROLLING_WINDOW_SCRIPT, sha: sha1(ROLLING_WINDOW_SCRIPT) } };

export async function createRedisquota(p: RedisquotaParams, env: AdapterEnv): Promise<Adapter> {
  const url = p.redisServerUrl.includes('://') ? p.redisServerUrl : `redis://${p.redisServerUrl}`;
  const client = createClient({ url, socket: { reconnectStrategy: (retries) => Math.min(retries * 100, 2000) } });
  client.on('error', (e: Error) => env.log(`${env.handler}: redis ${url}: ${e.message}`));
  await client.connect();
  const dedupTtl = dedupMs(p.minDeduplicationDuration);
  const prefix = `isthmus:quota:${env.handler}:`;

  async function run(script: { text: string; sha: string }, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await client.sendCommand(['EVALSHA', script.sha, String(keys.length), ...keys, ...args]);
    } catch (e) {
      // First use on this server (or after SCRIPT FLUSH): send the text once; Redis caches it.
      if (!/NOSCRIPT/.test((e as Error).message)) throw e;
      return client.sendCommand(['EVAL', script.text, String(keys.length), ...keys, ...args]);
    }
  }

  return {
    async quota(instance, args): Promise<QuotaGrant> {
      const l = resolveLimit(p.quotas, instance);
      if (!l) return { grantedAmount: args.amount, validDurationMs: 0 };
      const counter = prefix + l.key;
      const dedupKey = `${counter}|dedup|${args.dedupId}`;
      const r = (await run(SCRIPTS[l.algorithm], [counter, dedupKey], [
        String(args.amount), String(l.maxAmount), String(l.windowMs), args.bestEffort ? '1' : '0', args.dedupId ? String(dedupTtl) : '0', String(l.bucketMs),
      ])) as [number, number];
      return { grantedAmount: Number(r[0]), validDurationMs: Number(r[1]) };
    },
    async close() {
      // Graceful when the server is there; a dead server must not hold the close (and the process) forever.
      const timer = setTimeout(() => client.destroy(), 1000);
      try {
        await client.close();
      } catch {
        client.destroy();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
