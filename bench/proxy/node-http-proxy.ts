// A reverse proxy in a few lines of node:http, run as its own process: HTTP/1.1 in, a keep-alive
// Agent to the upstream, bodies piped; plus a cleartext HTTP/2 port (node:http2) forwarding the
// same way. No routing, no filters, no metrics. It is the floor under any HTTP-aware proxy built
// on Node's HTTP stack — what Isthmus would cost if its own machinery were free — so the Isthmus
// rows can be read against what Node itself allows, as nginx's row shows what C allows.
// `node node-http-proxy.js <port> <h2 port> <upstream port>`; prints `ready` once listening.
import * as http from 'node:http';
import * as http2 from 'node:http2';

const [port, h2Port, upstreamPort] = process.argv.slice(2).map(Number);
if (!port || !h2Port || !upstreamPort) {
  process.stderr.write('usage: node-http-proxy <port> <h2 port> <upstream port>\n');
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Hop-by-hop and HTTP/2 pseudo headers do not cross to the HTTP/1.1 upstream. */
function upstreamHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || name === 'connection' || name === 'keep-alive') continue;
    out[name] = value;
  }
  return out;
}

function forward(req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void {
  const headers = upstreamHeaders(req.headers);
  if (!headers.host && 'authority' in req) headers.host = req.authority;
  const upstream = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent }, (answer) => {
    const out: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) if (name !== 'connection' && name !== 'keep-alive' && name !== 'transfer-encoding') out[name] = value;
    res.writeHead(answer.statusCode ?? 502, out);
    answer.pipe(res as NodeJS.WritableStream);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}

let listening = 0;
const ready = (): void => {
  if (++listening === 2) process.stdout.write('ready\n');
};
http.createServer({ keepAliveTimeout: 60_000 }, forward).listen(port, '127.0.0.1', 4096, ready);
http2.createServer({}, forward).listen(h2Port, '127.0.0.1', 4096, ready);
process.on('SIGTERM', () => process.exit(0));
