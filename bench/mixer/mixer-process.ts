// The Mixer under test: `node bin/isthmus.js mixer` on free loopback ports, exactly as a user
// starts it, reading the bench's config dir. Its CPU is read from /proc around each phase.
import { join } from 'node:path';
import { ServerProcess } from '../proxy/server-process.js';

export interface MixerProcess {
  /** `127.0.0.1:<port>` of its gRPC server. */
  address: string;
  pid: number;
  /** Lines it printed lately (config errors show up here). */
  output(): string;
  stop(): Promise<void>;
}

export async function startMixer(repoRoot: string, configDir: string): Promise<MixerProcess> {
  const args = [join(repoRoot, 'bin/isthmus.js'), 'mixer', '--config-dir', configDir, '--grpc-port', '0', '--monitoring-port', '0', '--listen-address', '127.0.0.1'];
  const mixer = await ServerProcess.start('isthmus mixer', { command: process.execPath, args, cwd: repoRoot, readyLine: /^ready$/, readyTimeoutMs: 20_000 });
  const m = await mixer.waitForLine(/^mixer grpc (\S+) monitoring /, 1000);
  // A policy Mixer rejected would make every number below meaningless.
  if (/^config: /m.test(mixer.output())) {
    await mixer.stop();
    throw new Error(`isthmus mixer rejected the bench policy:\n${mixer.output()}`);
  }
  return { address: m[1] as string, pid: mixer.pid, output: () => mixer.output(), stop: () => mixer.stop() };
}
