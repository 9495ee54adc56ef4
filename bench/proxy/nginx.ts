// nginx as the reference reverse proxy: one worker, a keep-alive pool to the upstream
// (`keepalive 64` needs HTTP/1.1 upstream and an empty Connection header to reuse connections).
import { startNginx } from './nginx-process.js';
import { freePort } from './ports.js';
import type { Target } from './target.js';

export const nginxTarget: Target = {
  name: 'nginx',
  setup: 'nginx, `worker_processes 1`, `upstream { keepalive 64; }` with `proxy_http_version 1.1` and `Connection ""`, access log off; HTTP/2 on a second `listen … http2` port',
  async start(upstream) {
    const port = await freePort();
    const h2Port = await freePort();
    const nginx = await startNginx('nginx', `
  upstream backend {
    server 127.0.0.1:${upstream.port};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    listen 127.0.0.1:${h2Port} http2;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`, port);
    return { port, h2Port, pid: nginx.process.pid, stop: () => nginx.stop() };
  },
};
