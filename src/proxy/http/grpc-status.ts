// HTTP status → gRPC status for local replies to gRPC requests, as Envoy maps them
// (Envoy's Grpc::Utility::httpToGrpcStatus, after gRPC's own http-grpc-status-mapping.md).
const MAP: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };

export function grpcStatusForHttp(status: number): number {
  return MAP[status] ?? 2; // UNKNOWN
}

export function isGrpcContentType(contentType: string | string[] | undefined): boolean {
  const ct = Array.isArray(contentType) ? contentType[0] : contentType;
  return ct !== undefined && ct.startsWith('application/grpc');
}
