// Reads a sidecar's JSON access log (`--access-log FILE --access-log-format json`): the tests
// check response flags (URX, UF, UH, UT, UO) there, as an operator would. The proxy writes
// the log in batches, so a line is waited for rather than expected at once.
import { readFile } from 'node:fs/promises';
import { eventually } from '../../helpers/eventually.js';

/** The fields of Istio's default JSON access log the tests read. */
export interface AccessLogEntry {
  path: string | null;
  response_code: number;
  response_flags: string;
  response_code_details: string | null;
  upstream_host: string | null;
  duration: number;
}

export async function readAccessLog(file: string): Promise<AccessLogEntry[]> {
  // Not there yet: nothing logged so far.
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AccessLogEntry);
}

/** Waits for the log line of the request to `path` (the latest, when there are several). */
export function accessLogEntry(file: string, path: string): Promise<AccessLogEntry> {
  return eventually(`access log line for ${path}`, async () => (await readAccessLog(file)).filter((e) => e.path === path).at(-1), { timeoutMs: 10_000 });
}

/** The flags as a set: Envoy joins them with commas ("URX,UF"). */
export function flagsOf(entry: AccessLogEntry): Set<string> {
  return new Set(entry.response_flags.split(',').filter((f) => f !== '' && f !== '-'));
}
