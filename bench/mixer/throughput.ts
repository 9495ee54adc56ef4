// Mixer's own cost: a fixed load of Check or Report calls (load-client.js in its own process),
// counted against the CPU seconds the Mixer process used over exactly the measured phase.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from '../common/proc.js';
import { runTool } from '../proxy/load-tool.js';
import type { LoadCounts } from './load-client.js';

export interface LoadShape {
  warmUpSeconds: number;
  seconds: number;
  /** gRPC clients, each on its own connection. */
  channels: number;
  inFlightPerChannel: number;
  /** Bags per Report call (ignored for Check). */
  bagsPerReport: number;
}

export interface MixerThroughput {
  counts: LoadCounts;
  /** Mixer CPU (utime+stime) over the measured phase. */
  mixerCpu: number;
  /** Bags (one per Check; N per Report batch) per Mixer CPU-second. */
  bagsPerCpuSecond: number;
  /** One-minute load average when the phase started: other work on the machine. */
  loadAverage: number;
}

export async function measureMixerLoad(mixer: { address: string; pid: number }, mode: 'check' | 'report', shape: LoadShape): Promise<MixerThroughput> {
  const script = join(import.meta.dirname, 'load-client.js');
  const loadAverage = loadavg()[0] as number;
  let before: number | undefined;
  let after: number | undefined;
  let counts: LoadCounts | undefined;
  await runTool(process.execPath, [script, mixer.address, mode, String(shape.warmUpSeconds), String(shape.seconds), String(shape.channels), String(shape.inFlightPerChannel), String(shape.bagsPerReport)], (line) => {
    if (line === 'measuring') before = cpuSeconds(mixer.pid);
    const done = /^done (.*)$/.exec(line);
    if (done) {
      after = cpuSeconds(mixer.pid);
      counts = JSON.parse(done[1] as string) as LoadCounts;
    }
  });
  if (before === undefined || after === undefined || !counts) throw new Error(`the ${mode} load process ended without its measured phase`);
  const mixerCpu = after - before;
  return { counts, mixerCpu, bagsPerCpuSecond: mixerCpu > 0 ? counts.bags / mixerCpu : Number.NaN, loadAverage };
}
