// What every Node service of the demo shares: calling another service through the sidecar
// (HTTP_PROXY, as there is no iptables capture) and propagating the headers that stitch one
// request's spans together — the proxy can join spans only if the app copies these across.
import http from 'node:http';

/** Istio's list of headers an application must copy from its inbound request to its calls. */
export const PROPAGATED_HEADERS = [
  'x-request-id', 'traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid',
  'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags', 'x-ot-span-context', 'end-user', 'user-agent',
];

export function propagatedHeaders(req) {
  const out = {};
  for (const name of PROPAGATED_HEADERS) {
    const v = req.headers[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function proxyFromEnv() {
  const raw = process.env.HTTP_PROXY ?? process.env.http_proxy;
  return raw ? new URL(raw) : undefined;
}

/** GET `url` (e.g. http://ratings:9080/ratings/0); resolves {status, body} or rejects on network errors. */
export function get(url, headers = {}, timeoutMs = 3000) {
  const target = new URL(url);
  const proxy = proxyFromEnv();
  // Through a proxy the request line carries the absolute URL; the Host header picks the route.
  const options = proxy
    ? { host: proxy.hostname, port: proxy.port, path: target.href, headers: { ...headers, host: target.host } }
    : { host: target.hostname, port: target.port, path: target.pathname + target.search, headers };
  return new Promise((resolve, reject) => {
    const req = http.get({ ...options, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** GET and parse JSON; undefined when the call failed or answered with an error status. */
export async function getJson(url, headers, timeoutMs) {
  try {
    const res = await get(url, headers, timeoutMs);
    return res.status === 200 ? { status: 200, value: JSON.parse(res.body) } : { status: res.status };
  } catch (e) {
    return { status: 0, error: e.message };
  }
}

export function sendJson(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** Listens on 127.0.0.1:PORT (the sidecar owns the port peers use) and stops on SIGTERM/SIGINT. */
export function serve(name, handler) {
  const port = Number(process.env.PORT ?? 9080);
  const server = http.createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { error: `${name}: ${e.message}` });
      else res.destroy();
    });
  });
  server.listen(port, process.env.BIND_ADDRESS ?? '127.0.0.1', () => console.log(`${name} listening on ${port}`));
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}
