// A bare node:tls server, run as its own process: the same OpenSSL and Node TLS stack the proxy
// uses with nothing around it, so the proxy rows can be read against it, and the row a private
// key held in a PKCS#11 token is measured on. Prints `port <n>` once listening.
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';

// `node node-tls-server.js <cert> key <key file>` or `… engine <engine> <key identifier>`
const [certFile, kind, a, b] = process.argv.slice(2);
if (!certFile || (kind !== 'key' && kind !== 'engine') || !a) {
  process.stderr.write('usage: node-tls-server <cert> key <key file> | <cert> engine <engine> <identifier>\n');
  process.exit(2);
}
const key = kind === 'key' ? { key: readFileSync(a) } : { privateKeyEngine: a, privateKeyIdentifier: b ?? '' };
const server = tls.createServer({ cert: readFileSync(certFile), ...key, minVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'] }, (socket) => {
  // The client closes once it has its ticket; ending here first would cut the ticket off.
  socket.on('error', () => socket.destroy());
  socket.resume();
});
server.on('tlsClientError', () => { /* clients close right after the handshake */ });
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`port ${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
