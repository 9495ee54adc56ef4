// When to renew a workload certificate. Istio's agent rotates once a share of the lifetime is
// left (SECRET_GRACE_PERIOD_RATIO, 0.5); here the flag says what share has passed, which for
// the default 0.5 is the same instant. The lifetime counts from when the certificate arrived
// (or its notBefore, if later): CAs backdate notBefore for clock skew, and counting from a
// backdated start would renew a short-lived certificate at once, over and over.

/** Never renew sooner than this after a certificate arrived (a CA that issues 1-second certs cannot spin the agent). */
export const MIN_RENEW_DELAY_MS = 1000;

export interface CertificateTimes {
  notBefore: number;
  notAfter: number;
  /** When the agent received it (wall-clock ms). */
  receivedAt: number;
}

/** Wall-clock ms at which to ask for the next certificate. */
export function renewalTime(t: CertificateTimes, fraction: number): number {
  const start = Math.max(t.notBefore, t.receivedAt);
  const at = start + (t.notAfter - start) * fraction;
  return Math.max(at, t.receivedAt + MIN_RENEW_DELAY_MS);
}

export class InvalidRenewFractionError extends Error {
  readonly code = 'INVALID_RENEW_FRACTION';
  constructor(value: unknown) {
    super(`--renew-fraction must be a number above 0 and below 1 (the share of a certificate's lifetime after which it is renewed, e.g. 0.5), not ${JSON.stringify(value)}`);
    this.name = 'InvalidRenewFractionError';
  }
}

export function checkRenewFraction(value: number): number {
  if (!(value > 0 && value < 1)) throw new InvalidRenewFractionError(value);
  return value;
}
