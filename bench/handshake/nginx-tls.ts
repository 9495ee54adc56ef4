// nginx terminating TLS 1.3 with the same certificate: the reference for what a C proxy on the
// same OpenSSL does per CPU-second (one worker, session tickets on).
import { startNginx, type NginxInstance } from '../proxy/nginx-process.js';
import type { ServerCert } from './keys.js';

export async function startNginxTls(cert: ServerCert, port: number): Promise<NginxInstance> {
  const http = `  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${cert.cert};
    ssl_certificate_key ${cert.key};
    ssl_protocols TLSv1.3;
    ssl_session_tickets on;
    location / { return 200 "ok\\n"; }
  }`;
  return startNginx(`nginx-tls-${cert.type.startsWith('RSA') ? 'rsa' : 'ecdsa'}`, http, port);
}
