// The last lines of a process's log, shown when it fails to start: the reason is usually there.
import { readFileSync } from 'node:fs';

export function logTail(file: string, lines = 12): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  return text.trimEnd().split('\n').slice(-lines).map((l) => `    | ${l}`).join('\n');
}
