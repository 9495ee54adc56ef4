// One measurement: the handshake client runs in its own process against a server process for a
// fixed time; the server's CPU seconds (all of its processes) over that window divide the count.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cpuSeconds } from '../common/proc.js';
import type { ClientCounts } from './handshake-client.js';

const run = promisify(execFile);

export interface HandshakeRate {
  handshakes: number;
  resumed: number;
  errors: number;
  /** Server CPU seconds spent during the run. */
  serverCpu: number;
  perCpuSecond: number;
  firstError?: string;
}

export interface MeasureOptions {
  port: number;
  serverName: string;
  mode: 'full' | 'resumed';
  /** Processes whose CPU counts as the server's (a proxy with workers has several). */
  serverPids: () => number[];
  seconds: number;
  loops: number;
}

export async function measureHandshakes(o: MeasureOptions): Promise<HandshakeRate> {
  const client = join(import.meta.dirname, 'handshake-client.js');
  const cpu = (): number => o.serverPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const before = cpu();
  const { stdout } = await run(process.execPath, [client, String(o.port), o.serverName, o.mode, String(o.seconds), String(o.loops)]);
  const serverCpu = cpu() - before;
  const counts = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ClientCounts;
  // Only handshakes of the kind asked for count: a "resumed" run whose server refused the ticket did full ones.
  const counted = o.mode === 'resumed' ? counts.resumed : counts.handshakes - counts.resumed;
  return {
    handshakes: counts.handshakes, resumed: counts.resumed, errors: counts.errors, serverCpu,
    perCpuSecond: serverCpu > 0 ? counted / serverCpu : Number.NaN,
    ...(counts.firstError ? { firstError: counts.firstError } : {}),
  };
}
