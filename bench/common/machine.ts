// What the results were measured on, for the header of every results file.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

export interface Machine {
  date: string;
  node: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** 1/5/15-minute load averages when the run started: other work on the machine skews results. */
  loadAverage: number[];
}

export function describeMachine(now = new Date()): Machine {
  let cpuModel = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // Not Linux: the model stays unknown rather than failing the run.
  }
  return { date: now.toISOString(), node: process.version, cpuModel, cores: availableParallelism(), memoryGiB: Math.round(totalmem() / 2 ** 30), loadAverage: loadavg() };
}

export function machineHeader(m: Machine): string {
  return [`- Date: ${m.date}`, `- Node: ${m.node}`, `- CPU: ${m.cpuModel}, ${m.cores} cores`, `- Memory: ${m.memoryGiB} GiB`, `- Load average at start (1/5/15 min): ${m.loadAverage.map((l) => l.toFixed(2)).join(' / ')}`].join('\n');
}
