// Waiting for a process to be ready by asking it (Istio's 15021 /healthz/ready style), never by
// sleeping: poll an HTTP URL until it answers 200, and give up early if the process has exited.
import * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export class NotReadyError extends Error {
  readonly code = 'NOT_READY';
}

/** One GET; resolves with the status and body, or status 0 when nothing answered. */
export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

export interface WaitOptions {
  timeoutMs: number;
  /** Stops waiting as soon as this says why the wait is hopeless (e.g. "exited with code 1"). */
  givenUp?: () => string | undefined;
  /** Accepts a 200 only when its body passes (default: any 200). */
  accept?: (body: string) => boolean;
  headers?: Record<string, string>;
}

export async function waitUntilOk(what: string, url: string, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer';
  for (let delay = 20; ; delay = Math.min(delay * 2, 200)) {
    const reason = opts.givenUp?.();
    if (reason) throw new NotReadyError(`${what} ${reason}`);
    const res = await httpGet(url, opts.headers);
    if (res.status === 200 && (opts.accept?.(res.body) ?? true)) return;
    if (res.status !== 0) last = `HTTP ${res.status}`;
    if (Date.now() > deadline) throw new NotReadyError(`${what} was not ready after ${opts.timeoutMs / 1000} s (${url}: ${last})`);
    await sleep(delay);
  }
}
