// Child process: Check latency through the real MixerClient (src/mixerclient) against a real
// Mixer. Warm: the same principal every call, so after the first call the cache answers in
// process. Cold: a new principal every call (the one attribute the rule reads), so every call
// misses and makes a round trip. Each call is timed with process.hrtime, one call at a time.
// Prints one JSON line (LatencyResult). Run by latency.ts in its own process so the bench's own
// work (reading children's output, timers) does not land in the samples.
//
// Usage: node client-latency.js <mixer host:port> <warm calls> <cold calls> [<echo host:port>]
import { MixerClient } from '../../src/mixerclient/index.js';
import { echoCaller } from './grpc-echo.js';
import { max, percentile } from '../common/stats.js';
import { CALLER, requestBag } from './policy.js';
import { ROUND_TRIP_WARM_UP } from './settings.js';

export interface LatencySummary {
  calls: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  meanUs: number;
}

export interface LatencyResult {
  warm: LatencySummary & { cacheHits: number };
  cold: LatencySummary & { remoteChecks: number; denied: number };
  /** A bare grpc-js echo to another process, timed the same way: the floor under `cold`. */
  echo?: LatencySummary;
}

function summary(samples: Float64Array): LatencySummary {
  const all = Array.from(samples);
  const sum = all.reduce((a, b) => a + b, 0);
  return { calls: all.length, p50Us: percentile(all, 50), p99Us: percentile(all, 99), p999Us: percentile(all, 99.9), maxUs: max(all), meanUs: sum / all.length };
}

const elapsedUs = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1000;


async function main(address: string, warmCalls: number, coldCalls: number): Promise<LatencyResult> {
  const client = new MixerClient({ checkServer: address, reportServer: '', failOpen: false });
  try {
    // Warm: one bag, reused as a proxy reuses nothing but the cache — the lookup still builds its key each call.
    const bag = requestBag(CALLER);
    for (let i = 0; i < Math.min(warmCalls, 20_000); i++) await client.check(bag); // JIT and the first round trip
    const hitsBefore = client.stats.checkCacheHits;
    const warm = new Float64Array(warmCalls);
    for (let i = 0; i < warmCalls; i++) {
      const t = process.hrtime.bigint();
      await client.check(bag);
      warm[i] = elapsedUs(t);
    }
    const cacheHits = client.stats.checkCacheHits - hitsBefore;

    // Cold: the bags are built before the clock starts; only the Check is timed.
    const warmUp = ROUND_TRIP_WARM_UP;
    const bags = Array.from({ length: warmUp + coldCalls }, (_, i) => requestBag(`cluster.local/ns/bench/sa/caller-${i}`));
    for (let i = 0; i < warmUp; i++) await client.check(bags[i]!);
    const remoteBefore = client.stats.remoteCheckCalls;
    const cold = new Float64Array(coldCalls);
    let denied = 0;
    for (let i = 0; i < coldCalls; i++) {
      const b = bags[warmUp + i]!;
      const t = process.hrtime.bigint();
      const outcome = await client.check(b);
      cold[i] = elapsedUs(t);
      if (outcome.status.code !== 0) denied++;
    }
    return {
      warm: { ...summary(warm), cacheHits },
      cold: { ...summary(cold), remoteChecks: client.stats.remoteCheckCalls - remoteBefore, denied },
    };
  } finally {
    await client.close();
  }
}

/** The same number of calls, timed the same way, against the bare echo server. */
async function echoFloor(address: string, calls: number): Promise<LatencySummary> {
  const echo = echoCaller(address);
  try {
    const payload = Buffer.alloc(600, 1); // about the size of a Check request's attribute bag
    for (let i = 0; i < ROUND_TRIP_WARM_UP; i++) await echo.call(payload);
    const samples = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      const t = process.hrtime.bigint();
      await echo.call(payload);
      samples[i] = elapsedUs(t);
    }
    return summary(samples);
  } finally {
    echo.close();
  }
}

// Usage: node client-latency.js <mixer host:port> <warm calls> <cold calls> [<echo host:port>]
const [address, warm, cold, echoAddress] = process.argv.slice(2);
if (address) {
  const result: LatencyResult = await main(address, Number(warm), Number(cold));
  if (echoAddress) result.echo = await echoFloor(echoAddress, Number(cold));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
