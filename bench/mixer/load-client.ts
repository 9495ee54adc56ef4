// Child process: a fixed closed-loop load of Check or Report calls on a Mixer from several
// gRPC clients, each on its own channel (its own HTTP/2 connection) with a few calls in flight,
// as several sidecars would. Requests are encoded once up front, so this process spends its CPU
// on gRPC, not on building bags. After the warm-up it prints `measuring`; when the measured time
// is over it stops sending, lets the calls in flight finish and prints `done <LoadCounts JSON>` —
// the parent reads Mixer's CPU at those two lines.
//
// Usage: node load-client.js <host:port> check|report <warm-up s> <seconds> <channels> <in flight per channel> <bags per report>
import { credentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { encodeAttributes, mixerServiceClient } from '../../src/mixer/index.js';
import { reportBag, requestBag } from './policy.js';

export interface LoadCounts {
  /** Calls completed in the measured phase. */
  calls: number;
  /** Attribute bags those calls carried (one per Check). */
  bags: number;
  errors: number;
  /** Checks Mixer denied (the load sends none that should be). */
  denied: number;
  seconds: number;
  firstError?: string;
}

type Unary = (req: unknown, meta: { deadline: number }, cb: (err: ServiceError | null, res: unknown) => void) => void;
type MixerStub = Client & { Check: Unary; Report: Unary };

/** Distinct callers the Check load cycles through (Mixer itself caches nothing). */
const PRINCIPALS = 16;

function requests(mode: string, bagsPerReport: number): { method: 'Check' | 'Report'; bodies: unknown[]; bagsPerCall: number } {
  if (mode === 'check') {
    const bodies = Array.from({ length: PRINCIPALS }, (_, i) => ({ attributes: encodeAttributes(requestBag(`cluster.local/ns/bench/sa/caller-${i}`, `/items/${i}`)), quotas: {}, deduplicationId: '' }));
    return { method: 'Check', bodies, bagsPerCall: 1 };
  }
  const bodies = Array.from({ length: 4 }, (_, b) => ({ attributes: Array.from({ length: bagsPerReport }, (_, i) => encodeAttributes(reportBag(`cluster.local/ns/bench/sa/caller-${(b + i) % PRINCIPALS}`, b * bagsPerReport + i))) }));
  return { method: 'Report', bodies, bagsPerCall: bagsPerReport };
}

async function main(argv: string[]): Promise<LoadCounts> {
  const [address, mode, warmUpS, secondsS, channelsS, inFlightS, bagsS] = argv as [string, string, string, string, string, string, string];
  const { method, bodies, bagsPerCall } = requests(mode, Number(bagsS));
  const Ctor = mixerServiceClient();
  const stubs: MixerStub[] = Array.from({ length: Number(channelsS) }, () => new Ctor(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as MixerStub);
  let measuring = false;
  let stopping = false;
  const counts: LoadCounts = { calls: 0, bags: 0, errors: 0, denied: 0, seconds: 0 };
  let next = 0;

  const call = (stub: MixerStub): Promise<void> => new Promise((resolve) => {
    const body = bodies[next++ % bodies.length];
    stub[method](body, { deadline: Date.now() + 10_000 }, (err, res) => {
      if (measuring) {
        if (err) {
          counts.errors++;
          counts.firstError ??= err.message;
        } else {
          counts.calls++;
          counts.bags += bagsPerCall;
          const code = (res as { precondition?: { status?: { code?: number } } } | undefined)?.precondition?.status?.code ?? 0;
          if (method === 'Check' && code !== 0) counts.denied++;
        }
      }
      resolve();
    });
  });
  const loop = async (stub: MixerStub): Promise<void> => {
    while (!stopping) await call(stub);
  };

  const loops = stubs.flatMap((stub) => Array.from({ length: Number(inFlightS) }, () => loop(stub)));
  await new Promise((r) => setTimeout(r, Number(warmUpS) * 1000));
  measuring = true;
  const started = process.hrtime.bigint();
  process.stdout.write('measuring\n');
  await new Promise((r) => setTimeout(r, Number(secondsS) * 1000));
  stopping = true;
  await Promise.all(loops);
  counts.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const stub of stubs) stub.close();
  return counts;
}

if (process.argv.length > 2) {
  const counts = await main(process.argv.slice(2));
  process.stdout.write(`done ${JSON.stringify(counts)}\n`);
}
