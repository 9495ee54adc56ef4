// How hard and how long each row is driven: the same for every row. Chosen so the whole proxy
// bench (six rows) runs in about three minutes on a 2-core machine.
export interface Settings {
  /** wrk: -t<threads> -c<connections>, an unmeasured warm-up run, then the measured run. */
  wrk: { threads: number; connections: number; warmUpSeconds: number; seconds: number };
  /** h2load: -c<connections> -m<streams> -D <seconds> --warm-up-time <warmUpSeconds>. */
  h2load: { connections: number; streams: number; warmUpSeconds: number; seconds: number };
  /** The open-loop generator: fixed rate over a small keep-alive pool. */
  latency: { rate: number; connections: number; warmUpSeconds: number; seconds: number };
  /** RSS sampling period during the throughput runs. */
  rssSampleMs: number;
}

export const DEFAULT_SETTINGS: Settings = {
  wrk: { threads: 1, connections: 50, warmUpSeconds: 2, seconds: 8 },
  h2load: { connections: 10, streams: 10, warmUpSeconds: 1, seconds: 4 },
  latency: { rate: 1000, connections: 16, warmUpSeconds: 1, seconds: 8 },
  rssSampleMs: 100,
};

/** BENCH_PROXY_SECONDS scales the measured durations (e.g. 2 for a quick look); warm-ups stay. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const raw = env.BENCH_PROXY_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_SETTINGS;
  const s = Number(raw);
  if (!Number.isInteger(s) || s < 1 || s > 120) throw new Error(`BENCH_PROXY_SECONDS must be a whole number of seconds 1–120, not "${raw}"`);
  const d = DEFAULT_SETTINGS;
  return {
    ...d,
    wrk: { ...d.wrk, seconds: s },
    h2load: { ...d.h2load, seconds: Math.max(1, Math.round(s / 2)) },
    latency: { ...d.latency, seconds: s },
  };
}
