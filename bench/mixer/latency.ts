// Runs client-latency.js in its own process against the Mixer and returns what it measured.
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LatencyResult } from './client-latency.js';

const run = promisify(execFile);

export type { LatencyResult, LatencySummary } from './client-latency.js';

export async function measureCheckLatency(mixerAddress: string, warmCalls: number, coldCalls: number): Promise<LatencyResult & { loadAverage: number }> {
  const loadAverage = loadavg()[0] as number;
  const script = join(import.meta.dirname, 'client-latency.js');
  const { stdout } = await run(process.execPath, [script, mixerAddress, String(warmCalls), String(coldCalls)], { timeout: 120_000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(last) as LatencyResult), loadAverage };
  } catch {
    throw new Error(`client-latency printed no result:\n${stdout}`);
  }
}
