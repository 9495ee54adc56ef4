// Durations as Istio's YAML writes them: Go-style strings such as "5s", "250ms", "1h30m", "1.5s".
// Istio's own validation additionally requires at least 1ms for most timeouts; `min` says so per field.
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/gy;

/** Parses a Go-style duration into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text.length === 0) return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = PART.lastIndex;
  }
  return total;
}

export interface DurationRule {
  /** Smallest allowed value in milliseconds (Istio: 1ms for timeouts). */
  minMs?: number;
  maxMs?: number;
}

export function duration(rule: DurationRule = {}) {
  return z.string().superRefine((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration`, params: { hint: 'use a number and a unit (h, m, s, ms, us, ns), e.g. "5s", "250ms", "1h30m"' } });
      return;
    }
    if (rule.minMs !== undefined && ms < rule.minMs) {
      ctx.addIssue({ code: 'custom', message: `duration "${text}" is too short`, params: { hint: `use at least ${fmtMs(rule.minMs)}` } });
    }
    if (rule.maxMs !== undefined && ms > rule.maxMs) {
      ctx.addIssue({ code: 'custom', message: `duration "${text}" is too long`, params: { hint: `use at most ${fmtMs(rule.maxMs)}` } });
    }
  });
}

function fmtMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
