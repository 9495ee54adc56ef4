// A real Mixer (runtime + gRPC server) in the test process, whose Check calls are counted on the
// Mixer side, for the cache tests; and one that records the bags its Reports decode to.
import { loadText } from '../../src/api/index.js';
import { Duration, MixerRuntime, startMixerServer, type AttributeBag, type AttributeValue, type CheckResponse, type MixerServer, type QuotaRequest } from '../../src/mixer/index.js';

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

/** Applies `config` (Mixer YAML, may be empty) to `runtime` and serves it on a loopback port. */
async function serve(runtime: MixerRuntime, config: string): Promise<{ address: string; close(): Promise<void> }> {
  if (config !== '') {
    const loaded = loadText(config, 'mixer.yaml');
    if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    await runtime.apply(loaded.resources.map((r) => r.resource));
  }
  let server: MixerServer;
  try {
    server = await startMixerServer(runtime, '127.0.0.1', 0);
  } catch (e) {
    await runtime.close();
    throw e;
  }
  return {
    address: `127.0.0.1:${server.port}`,
    async close() {
      await server.close();
      await runtime.close();
    },
  };
}

export async function startCountingMixer(config: string): Promise<CountingMixer> {
  const runtime = new CountingRuntime({ log: () => {} });
  return { ...(await serve(runtime, config)), checks: () => runtime.checks };
}

class RecordingRuntime extends MixerRuntime {
  readonly reported: AttributeBag[] = [];
  override report(bags: readonly AttributeBag[]): Promise<void> {
    this.reported.push(...bags);
    return super.report(bags);
  }
}

export interface RecordingMixer {
  address: string;
  /** Every bag Report handed to the runtime (what the adapters see), in order. */
  reported(): AttributeBag[];
  close(): Promise<void>;
}

/** A real Mixer whose runtime keeps the bags each Report decoded to. */
export async function startRecordingMixer(config = ''): Promise<RecordingMixer> {
  const runtime = new RecordingRuntime({ log: () => {} });
  return { ...(await serve(runtime, config)), reported: () => runtime.reported };
}

/** A bag as plain comparable data: dates and durations as tagged ms, bytes as arrays, maps by sorted key. */
export function comparable(bag: AttributeBag | Readonly<Record<string, AttributeValue>>): Record<string, unknown> {
  const names = 'get' in bag && typeof bag.get === 'function' ? [...(bag as AttributeBag).names()] : Object.keys(bag);
  const out: Record<string, unknown> = {};
  for (const name of names.sort()) {
    const v = 'get' in bag && typeof bag.get === 'function' ? (bag as AttributeBag).get(name) : (bag as Record<string, AttributeValue>)[name];
    if (v instanceof Date) out[name] = ['time', v.getTime()];
    else if (v instanceof Duration) out[name] = ['duration', v.ms];
    else if (v instanceof Uint8Array) out[name] = ['bytes', [...v]];
    else if (typeof v === 'object' && v !== null) out[name] = ['map', Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))];
    else out[name] = v;
  }
  return out;
}
