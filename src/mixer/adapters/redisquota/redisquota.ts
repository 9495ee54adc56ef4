// redisquota: the same limits as memquota, counted in Redis by atomic Lua scripts, so N Mixer
// replicas on one Redis grant N-replica traffic one quota, not N quotas. An allocation quota's
// in-use count lives there too, so a Release on any replica frees what a Check on another took.
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import type { Adapter, AdapterEnv, QuotaGrant, ReleaseResult } from '../adapter.js';
import { dedupMs, resolveLimit } from '../quota/limits.js';
import type { RedisquotaParams } from './params.js';
import { ALLOCATION_SCRIPT, FIXED_WINDOW_SCRIPT, RELEASE_SCRIPT, ROLLING_WINDOW_SCRIPT } from './scripts.js';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const script = (text: string) => ({ text, sha: sha1(text) });
const SCRIPTS = { FIXED_WINDOW: script(FIXED_WINDOW_SCRIPT), ROLLING_WINDOW: script(ROLLING_WINDOW_SCRIPT), ALLOCATION: script(ALLOCATION_SCRIPT) };
const RELEASE = script(RELEASE_SCRIPT);

export async function createRedisquota(p: RedisquotaParams, env: AdapterEnv): Promise<Adapter> {
  const url = p.redisServerUrl.includes('://') ? p.redisServerUrl : `redis://${p.redisServerUrl}`;
  const client = createClient({ url, socket: { reconnectStrategy: (retries) => Math.min(retries * 100, 2000) } });
  client.on('error', (e: Error) => env.log(`${env.handler}: redis ${url}: ${e.message}`));
  await client.connect();
  const dedupTtl = dedupMs(p.minDeduplicationDuration);
  const prefix = `isthmus:quota:${env.handler}:`;

  // Allocation counts have keys of their own: a limit switched between rate and allocation
  // must not read the other kind's counter (a window's count is not an amount in use).
  const counterKey = (allocation: boolean, key: string) => `${prefix}${allocation ? 'allocation:' : ''}${key}`;

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
      const counter = counterKey(l.algorithm === 'ALLOCATION', l.key);
      const dedupKey = `${counter}|dedup|${args.dedupId}`;
      const r = (await run(SCRIPTS[l.algorithm], [counter, dedupKey], [
        String(args.amount), String(l.maxAmount), String(l.windowMs), args.bestEffort ? '1' : '0', args.dedupId ? String(dedupTtl) : '0', String(l.bucketMs),
      ])) as [number, number];
      const grant: QuotaGrant = { grantedAmount: Number(r[0]), validDurationMs: Number(r[1]) };
      if (l.algorithm === 'ALLOCATION') grant.allocation = true;
      return grant;
    },
    async release(instance, args): Promise<ReleaseResult> {
      const l = resolveLimit(p.quotas, instance);
      if (!l || l.algorithm !== 'ALLOCATION') return { releasedAmount: 0 };
      const counter = counterKey(true, l.key);
      const r = await run(RELEASE, [counter, `${counter}|release|${args.dedupId}`], [String(args.amount), args.dedupId ? String(dedupTtl) : '0']);
      return { releasedAmount: Number(r) };
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
