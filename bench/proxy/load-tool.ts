// Runs a load generator (wrk, h2load) to completion as a tracked child, handing each stdout line
// to the caller as it arrives (h2load announces its phases that way) and returning all output.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { track } from '../common/children.js';

export async function runTool(command: string, args: readonly string[], onLine: (line: string) => void = () => {}): Promise<string> {
  const child = track(spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const lines: string[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    onLine(line);
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => lines.push(line));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  const output = lines.join('\n');
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`);
  return output;
}
