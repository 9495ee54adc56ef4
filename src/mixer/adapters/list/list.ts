// list (listchecker): whitelist or blacklist lookups. Inline entries (overrides) always count; a
// providerUrl list is fetched at start and every refreshInterval, and when refreshes have failed
// for longer than ttl the list is stale and checks answer UNAVAILABLE rather than guess.
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../../../api/fields/duration.js';
import { ipText } from '../../expr/values.js';
import type { Adapter, AdapterEnv, CheckResult, Instance } from '../adapter.js';
import { CODE } from '../status.js';
import { compileEntries, type Entries } from './entries.js';
import type { ListParams } from './params.js';

const ms = (d: string | undefined, fallback: number) => (d === undefined ? fallback : (parseDuration(d) as number));

export async function createList(p: ListParams, env: AdapterEnv): Promise<Adapter> {
  const type = p.entryType ?? 'STRINGS';
  const blacklist = p.blacklist ?? false;
  const refreshMs = ms(p.refreshInterval, 60_000);
  const ttlMs = ms(p.ttl, 300_000);
  // A fetched list may change at the next refresh: a client must not cache a decision longer.
  const validDurationMs = Math.min(ms(p.cachingInterval, 60_000), p.providerUrl ? refreshMs : Infinity);
  const validUseCount = p.cachingUseCount ?? 10_000;
  const inline = compileEntries(type, p.overrides ?? []).entries;
  let fetched: Entries | undefined;
  let fetchedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function refresh(): Promise<void> {
    const url = p.providerUrl as string;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(refreshMs, 10_000)) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const { entries, rejected } = compileEntries(type, parseListBody(await res.text()));
      for (const r of rejected) env.log(`${env.handler}: ${url}: skipped entry: ${r}`);
      fetched = entries;
      fetchedAt = env.now();
    } catch (e) {
      env.log(`${env.handler}: cannot fetch list from ${url}: ${(e as Error).message} (keeping the last list until its ttl passes)`);
    }
  }

  if (p.providerUrl) {
    await refresh();
    const loop = () => {
      timer = setTimeout(() => void refresh().finally(() => { if (!closed) loop(); }), refreshMs);
      timer.unref();
    };
    loop();
  }

  return {
    check(instance: Instance): CheckResult {
      const raw = instance.fields.value;
      const value = raw instanceof Uint8Array ? ipText(raw) : String(raw);
      if (p.providerUrl && (fetched === undefined || env.now() - fetchedAt > ttlMs) && !inline.has(value)) {
        return { status: { code: CODE.UNAVAILABLE, message: `${env.handler}: the list from ${p.providerUrl} is not available` }, validDurationMs: 0, validUseCount: 0 };
      }
      const found = inline.has(value) || (fetched?.has(value) ?? false);
      if (found === blacklist) {
        const message = `${env.handler}: ${JSON.stringify(value)} is ${blacklist ? 'blacklisted' : 'not whitelisted'}`;
        return { status: { code: CODE.PERMISSION_DENIED, message }, validDurationMs, validUseCount };
      }
      return { status: { code: CODE.OK, message: '' }, validDurationMs, validUseCount };
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}

/** A JSON or YAML list, or plain text with one entry per line (# starts a comment). */
export function parseListBody(text: string): string[] {
  try {
    const v = parseYaml(text) as unknown;
    if (Array.isArray(v)) return v.map(String);
  } catch {
    // not YAML: plain lines
  }
  return text.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l.length > 0);
}
