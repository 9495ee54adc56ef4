// google.rpc.Code values used in Check results: the same numbers as gRPC status codes, so a
// proxy can hand them straight to a gRPC client or map them to HTTP (7 → 403, 8 → 429).

export const CODE = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface Status {
  code: number;
  message: string;
}

export const OK_STATUS: Status = Object.freeze({ code: CODE.OK, message: '' });
