// Starts node-tls-server.js as a tracked child and reads its port.
import { join } from 'node:path';
import { ServerProcess } from '../proxy/server-process.js';

export interface NodeTls {
  port: number;
  pids(): number[];
  stop(): Promise<void>;
}

export async function startNodeTls(cert: string, key: { key: string } | { engine: string; identifier: string }, env?: NodeJS.ProcessEnv): Promise<NodeTls> {
  const script = join(import.meta.dirname, 'node-tls-server.js');
  const args = 'key' in key ? [script, cert, 'key', key.key] : [script, cert, 'engine', key.engine, key.identifier];
  const server = await ServerProcess.start('node-tls', { command: process.execPath, args, ...(env ? { env } : {}), readyLine: /^port \d+$/, readyTimeoutMs: 10_000 });
  const line = await server.waitForLine(/^port (\d+)$/, 1000);
  return { port: Number(line[1]), pids: () => [server.pid], stop: () => server.stop() };
}
