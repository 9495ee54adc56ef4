// curl as the client in end-to-end tests: what it printed, the status and the response headers.
import { spawn } from 'node:child_process';

export interface CurlResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  exitCode: number;
  stderr: string;
}

const MARK = '\n--isthmus-status:';

/** Runs `curl -s -D - ARGS URL`; status 0 when no response came. */
export function curl(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-s', '-S', '-D', '-', '-w', `${MARK}%{http_code}`, ...args], {
      env: { PATH: process.env.PATH, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const at = out.lastIndexOf(MARK);
      const status = at >= 0 ? Number(out.slice(at + MARK.length)) : 0;
      const text = at >= 0 ? out.slice(0, at) : out;
      // Possibly several header blocks (100-continue, redirects followed); the last one counts.
      const blocks = text.split(/\r\n\r\n/);
      let headerBlock = '';
      let bodyStart = 0;
      let offset = 0;
      for (const b of blocks) {
        if (/^HTTP\/[\d.]+ \d{3}/.test(b)) {
          headerBlock = b;
          bodyStart = offset + b.length + 4;
        }
        offset += b.length + 4;
      }
      const headers: Record<string, string> = {};
      for (const line of headerBlock.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers, body: text.slice(Math.min(bodyStart, text.length)), exitCode: code ?? -1, stderr: err });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}
