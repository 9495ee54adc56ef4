// Errors the CA API answers with; each maps to the gRPC status Istio's CA uses for the same case.
import { status } from '@grpc/grpc-js';

export type CaErrorCode = 'INVALID_ARGUMENT' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'INTERNAL';

export class CaError extends Error {
  override readonly name = 'CaError';
  constructor(readonly code: CaErrorCode, message: string) {
    super(message);
  }
  get grpcStatus(): status {
    return status[this.code];
  }
}
