// The one upstream behind every row: a second nginx returning a 6-byte body from memory on
// HTTP/1.1 and on cleartext HTTP/2 (for the direct h2load row). It is as cheap per request as a
// server gets, and its CPU is never counted: each row measures only the proxy process.
import { startNginx, type NginxInstance } from './nginx-process.js';
import { freePort } from './ports.js';
import type { Upstream } from './target.js';

export const UPSTREAM_HOST = 'upstream.bench.svc.cluster.local';
export const UPSTREAM_BODY = 'hello\n';

export interface RunningUpstream extends Upstream {
  nginx: NginxInstance;
}

export async function startUpstream(): Promise<RunningUpstream> {
  const port = await freePort();
  const h2Port = await freePort();
  const nginx = await startNginx('upstream', `
  server {
    listen 127.0.0.1:${port} backlog=4096;
    listen 127.0.0.1:${h2Port} http2;
    location / { default_type text/plain; return 200 "${UPSTREAM_BODY.replace('\n', '\\n')}"; }
  }`, port);
  return { port, h2Port, host: UPSTREAM_HOST, nginx };
}
