// The gRPC server: decodes each Check/Report/Release into attribute bags, hands them to the runtime, and
// encodes the answer. A malformed request is INVALID_ARGUMENT; nothing a client sends can crash it.
import { Server, ServerCredentials, status as grpcStatus, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import type { MixerRuntime } from '../runtime/runtime.js';
import type { AttributeBag } from '../attributes/bag.js';
import { decodeCompressedReport, type WireReportRequest } from './compressed.js';
import { mixerServiceDefinition } from './proto.js';
import { decodeAttributes, decodeQuotas, decodeReleaseQuotas, encodeCheckResponse, encodeReleaseResponse, type WireAttributes, type WireCheckRequest, type WireCheckResponse, type WireReleaseRequest, type WireReleaseResponse } from './wire.js';

export interface MixerServer {
  port: number;
  close(): Promise<void>;
}

export async function startMixerServer(runtime: MixerRuntime, host: string, port: number): Promise<MixerServer> {
  const server = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  server.addService(mixerServiceDefinition(), {
    Check(call: ServerUnaryCall<WireCheckRequest, WireCheckResponse>, callback: sendUnaryData<WireCheckResponse>) {
      const req = call.request;
      runtime.check(decodeAttributes(req.attributes), decodeQuotas(req.quotas), req.deduplicationId ?? '').then(
        (r) => callback(null, encodeCheckResponse(r)),
        (e: Error) => callback({ code: grpcStatus.INTERNAL, details: e.message }),
      );
    },
    Release(call: ServerUnaryCall<WireReleaseRequest, WireReleaseResponse>, callback: sendUnaryData<WireReleaseResponse>) {
      const req = call.request;
      let quotas: Record<string, number>;
      try {
        quotas = decodeReleaseQuotas(req.quotas);
      } catch (e) {
        callback({ code: grpcStatus.INVALID_ARGUMENT, details: (e as Error).message });
        return;
      }
      runtime.release(decodeAttributes(req.attributes), quotas, req.deduplicationId ?? '').then(
        (r) => callback(null, encodeReleaseResponse(r)),
        (e: Error) => callback({ code: grpcStatus.INTERNAL, details: e.message }),
      );
    },
    Report(call: ServerUnaryCall<WireReportRequest, object>, callback: sendUnaryData<object>) {
      let bags: AttributeBag[];
      try {
        // Plain bags first (the first wire form), then the compressed ones.
        bags = (call.request.attributes as WireAttributes[] | undefined ?? []).map((a) => decodeAttributes(a));
        bags.push(...decodeCompressedReport(call.request));
      } catch (e) {
        callback({ code: grpcStatus.INVALID_ARGUMENT, details: (e as Error).message });
        return;
      }
      runtime.report(bags).then(() => callback(null, {}), (e: Error) => callback({ code: grpcStatus.INTERNAL, details: e.message }));
    },
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
