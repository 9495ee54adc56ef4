// The wire side: one gRPC channel per Mixer address, unary Check, Report and Release with a short
// deadline and no retries (a proxy that cannot reach Mixer answers from its fail-open setting
// at once instead of queueing calls; grpc-js backs off reconnecting on its own).
import { credentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { mixerServiceClient } from '../mixer/api/proto.js';
import { decodeCheckResponse, decodeReleaseResponse, encodeAttributes, type WireCheckResponse, type WireReleaseResponse } from '../mixer/api/wire.js';
import type { CheckResponse, ReleaseResponse } from '../mixer/runtime/dispatch.js';
import type { Bag } from './check-cache.js';
import { plainBag, type AttributeSource } from './report-encoder.js';

export interface QuotaAsk {
  amount: number;
  bestEffort: boolean;
}

type Unary = (req: unknown, meta: { deadline: number }, cb: (err: ServiceError | null, res: unknown) => void) => void;

const REPORT_PATH = '/isthmus.mixer.v1.Mixer/Report';
/** An already-encoded ReportRequest goes out as it is; the (empty) ReportResponse is not decoded. */
const asIs = (b: Buffer): Buffer => b;

export class MixerTransport {
  readonly #client: Client & { Check: Unary; Report: Unary; Release: Unary };

  constructor(readonly address: string, private readonly timeoutMs: number) {
    const Ctor = mixerServiceClient();
    this.#client = new Ctor(address, credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
      'grpc.enable_retries': 0,
    }) as unknown as Client & { Check: Unary; Report: Unary; Release: Unary };
  }

  #call<T>(method: 'Check' | 'Report' | 'Release', req: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#client[method](req, { deadline: Date.now() + this.timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }

  async check(bag: Bag | AttributeSource, quotas: Readonly<Record<string, QuotaAsk>>, dedupId: string): Promise<CheckResponse> {
    const wire = await this.#call<WireCheckResponse>('Check', { attributes: encodeAttributes(plainBag(bag)), quotas, deduplicationId: dedupId });
    return decodeCheckResponse(wire);
  }

  /** Gives back allocation quota: the bag the Check was made with, and the amounts per quota. */
  async release(bag: Bag | AttributeSource, quotas: Readonly<Record<string, number>>, dedupId: string): Promise<ReleaseResponse> {
    const wire = await this.#call<WireReleaseResponse>('Release', { attributes: encodeAttributes(plainBag(bag)), quotas, deduplicationId: dedupId });
    return decodeReleaseResponse(wire);
  }

  /** Plain bags (the first wire form, kept for tools and tests). */
  async report(bags: readonly Bag[]): Promise<void> {
    await this.#call('Report', { attributes: bags.map((b) => encodeAttributes(b)) });
  }

  /** A ReportRequest encoded by report-encoder.ts. */
  reportEncoded(request: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(REPORT_PATH, asIs, asIs, request, { deadline: Date.now() + this.timeoutMs }, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    this.#client.close();
  }
}
