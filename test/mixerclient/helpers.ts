// A real Mixer (runtime + gRPC server) in the test process, whose Check calls are counted on the
// Mixer side, for the cache tests.
import { loadText } from '../../src/api/index.js';
import { MixerRuntime, startMixerServer, type AttributeBag, type CheckResponse, type MixerServer, type QuotaRequest } from '../../src/mixer/index.js';

class CountingRuntime extends MixerRuntime {
  checks = 0;
  override check(bag: AttributeBag, quotas?: Readonly<Record<string, QuotaRequest>>, dedupId?: string): Promise<CheckResponse> {
    this.checks++;
    return super.check(bag, quotas, dedupId);
  }
}

export interface CountingMixer {
  address: string;
  /** Check calls the Mixer has served. */
  checks(): number;
  close(): Promise<void>;
}

export async function startCountingMixer(config: string): Promise<CountingMixer> {
  const loaded = loadText(config, 'mixer.yaml');
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const runtime = new CountingRuntime({ log: () => {} });
  await runtime.apply(loaded.resources.map((r) => r.resource));
  let server: MixerServer;
  try {
    server = await startMixerServer(runtime, '127.0.0.1', 0);
  } catch (e) {
    await runtime.close();
    throw e;
  }
  return {
    address: `127.0.0.1:${server.port}`,
    checks: () => runtime.checks,
    async close() {
      await server.close();
      await runtime.close();
    },
  };
}
