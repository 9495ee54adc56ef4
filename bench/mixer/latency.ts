// Runs client-latency.js in its own process against the Mixer and returns what it measured.
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServerProcess } from '../proxy/server-process.js';
import type { LatencyResult } from './client-latency.js';

const run = promisify(execFile);

export type { LatencyResult, LatencySummary } from './client-latency.js';

export async function measureCheckLatency(mixerAddress: string, warmCalls: number, coldCalls: number): Promise<LatencyResult & { loadAverage: number }> {
  const loadAverage = loadavg()[0] as number;
  const script = join(import.meta.dirname, 'client-latency.js');
  // The floor: a bare grpc-js echo server in its own process, timed by the same client process.
  const echo = await ServerProcess.start('grpc-echo', { command: process.execPath, args: [join(import.meta.dirname, 'grpc-echo.js'), 'serve'], readyLine: /^port \d+$/, readyTimeoutMs: 10_000 });
  let stdout: string;
  try {
    const port = (await echo.waitForLine(/^port (\d+)$/, 1000))[1]!;
    ({ stdout } = await run(process.execPath, [script, mixerAddress, String(warmCalls), String(coldCalls), `127.0.0.1:${port}`], { timeout: 120_000 }));
  } finally {
    await echo.stop();
  }
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(last) as LatencyResult), loadAverage };
  } catch {
    throw new Error(`client-latency printed no result:\n${stdout}`);
  }
}
