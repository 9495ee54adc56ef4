// One list, compiled for lookups: a set of strings, a set of RE2 regexes, or IP ranges (through
// node:net's BlockList, which handles IPv4, IPv6 and CIDR prefixes natively).
import { BlockList, isIP } from 'node:net';
import { compileRe2 } from '../../../api/fields/regex.js';
import { entryProblem, type LIST_ENTRY_TYPES } from './params.js';

export type EntryType = (typeof LIST_ENTRY_TYPES)[number];

export interface Entries {
  has(value: string): boolean;
  readonly size: number;
}

/** Compiles entries, skipping (and returning) bad ones so one typo in a fetched list does not void it. */
export function compileEntries(type: EntryType, entries: readonly string[]): { entries: Entries; rejected: string[] } {
  const rejected: string[] = [];
  const good = entries.filter((e) => {
    const bad = entryProblem(type, e);
    if (bad) rejected.push(bad.message);
    return !bad;
  });
  switch (type) {
    case 'STRINGS': {
      const set = new Set(good);
      return { entries: { has: (v) => set.has(v), size: set.size }, rejected };
    }
    case 'CASE_INSENSITIVE_STRINGS': {
      const set = new Set(good.map((e) => e.toLowerCase()));
      return { entries: { has: (v) => set.has(v.toLowerCase()), size: set.size }, rejected };
    }
    case 'REGEX': {
      const res = good.map((e) => compileRe2(e));
      return { entries: { has: (v) => res.some((r) => r.test(v)), size: res.length }, rejected };
    }
    case 'IP_ADDRESSES': {
      const list = new BlockList();
      for (const e of good) {
        const [addr, bits] = e.split('/') as [string, string | undefined];
        const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
        if (bits === undefined) list.addAddress(addr, family);
        else list.addSubnet(addr, Number(bits), family);
      }
      return {
        entries: {
          has: (v) => {
            const family = isIP(v);
            return family !== 0 && list.check(v, family === 6 ? 'ipv6' : 'ipv4');
          },
          size: good.length,
        },
        rejected,
      };
    }
  }
}
