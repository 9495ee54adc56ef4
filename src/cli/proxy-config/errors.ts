// What can go wrong finding and asking a proxy; each message names what to change.
export type ProxyConfigErrorCode = 'MANAGER_UNREACHABLE' | 'PROXY_NOT_FOUND' | 'PROXY_AMBIGUOUS' | 'NO_ADMIN_ADDRESS' | 'ADMIN_UNREACHABLE';

export class ProxyConfigError extends Error {
  override readonly name = 'ProxyConfigError';
  constructor(
    readonly code: ProxyConfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** fetch() says only "fetch failed"; the cause (ECONNREFUSED, ENOTFOUND …) is what helps. */
export function fetchFailure(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
