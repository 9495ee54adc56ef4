// How long and how hard each phase runs. Chosen so the whole Mixer bench takes about a minute
// and a half on a 2-core machine; BENCH_MIXER_SECONDS scales every measured phase.
import type { LoadShape } from './throughput.js';
import type { WrkShape } from './proxy-ratio.js';

export interface Settings {
  /** Check calls timed one by one through the client, cache warm … */
  warmCalls: number;
  /** … and with a new principal each call (a round trip each). */
  coldCalls: number;
  checkLoad: LoadShape;
  reportLoad: LoadShape;
  wrk: WrkShape;
  /** Measured wrk runs per mode, alternating off and on. */
  runsPerMode: number;
  /** The phases to run (BENCH_MIXER_PHASES); all of them by default. */
  phases: ReadonlySet<Phase>;
}

/**
 * Unmeasured round trips before a cold or echo series. "Cold" means a cache miss, not a cold JIT:
 * a Mixer and a proxy in a running mesh have made many calls already, and with only a few hundred
 * behind them grpc-js's paths on both sides are still being optimised, which showed up as a p99
 * about twice the steady one.
 */
export const ROUND_TRIP_WARM_UP = 10_000;

export const PHASES = ['latency', 'checks', 'reports', 'proxy'] as const;
export type Phase = (typeof PHASES)[number];

/** BENCH_MIXER_PHASES=proxy (or a comma list of latency, checks, reports, proxy): iterate on one phase without the others. */
function phasesFromEnv(raw: string | undefined): ReadonlySet<Phase> {
  if (raw === undefined || raw.trim() === '') return new Set(PHASES);
  const wanted = raw.split(',').map((p) => p.trim());
  const bad = wanted.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (bad.length > 0) throw new Error(`BENCH_MIXER_PHASES: unknown phase ${bad.join(', ')}; use a comma list of ${PHASES.join(', ')}`);
  return new Set(wanted as Phase[]);
}

export const REPORT_BATCH = 100;

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const raw = env.BENCH_MIXER_SECONDS;
  const seconds = raw === undefined || raw === '' ? 8 : Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) throw new Error(`BENCH_MIXER_SECONDS must be a whole number of seconds 1–120, not "${raw}"`);
  return {
    warmCalls: 200_000,
    coldCalls: 3_000,
    checkLoad: { warmUpSeconds: 1, seconds, channels: 4, inFlightPerChannel: 8, bagsPerReport: 1 },
    reportLoad: { warmUpSeconds: 1, seconds, channels: 4, inFlightPerChannel: 2, bagsPerReport: REPORT_BATCH },
    wrk: { threads: 1, connections: 50, warmUpSeconds: 2, seconds },
    runsPerMode: 2,
    phases: phasesFromEnv(env.BENCH_MIXER_PHASES),
  };
}
