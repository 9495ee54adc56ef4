// Waits for a condition instead of sleeping a fixed time: polls until `check` returns a value
// (not undefined) or the generous deadline passes, then fails with the last observation.
import { setTimeout as sleep } from 'node:timers/promises';

export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(opts.everyMs ?? 25);
  }
}
