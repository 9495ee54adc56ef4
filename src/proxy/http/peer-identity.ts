// The client's identity on a mutual-TLS connection, read once per connection (every request on
// a keep-alive or HTTP/2 connection shares it) from the certificate OpenSSL verified.
import type { TLSSocket } from 'node:tls';
import type { PeerIdentity } from './stream.js';

const byConnection = new WeakMap<object, PeerIdentity | null>();

/** Splits Node's `subjectaltname` text ("URI:spiffe://…, DNS:a.b") into URI and DNS names. */
export function subjectAltNames(text: string | undefined): { uriSans: string[]; dnsSans: string[] } {
  const uriSans: string[] = [];
  const dnsSans: string[] = [];
  for (const entry of (text ?? '').split(', ')) {
    // Node quotes an entry that itself holds a comma or quote (JSON string syntax).
    const [kind, ...rest] = entry.split(':');
    let value = rest.join(':');
    if (value.startsWith('"')) {
      try { value = JSON.parse(value) as string; } catch { /* keep as printed */ }
    }
    if (kind === 'URI') uriSans.push(value);
    else if (kind === 'DNS') dnsSans.push(value);
  }
  return { uriSans, dnsSans };
}

/** The verified peer of a TLS socket, or undefined for plaintext, one-way TLS or an unverified certificate. */
export function peerIdentity(socket: TLSSocket): PeerIdentity | undefined {
  if (socket.encrypted !== true) return undefined;
  const known = byConnection.get(socket);
  if (known !== undefined) return known ?? undefined;
  let peer: PeerIdentity | null = null;
  if (socket.authorized) {
    const cert = socket.getPeerCertificate();
    if (cert?.raw) {
      const subject = Object.entries(cert.subject ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(',');
      peer = { ...subjectAltNames(cert.subjectaltname), subject };
    }
  }
  byConnection.set(socket, peer);
  return peer ?? undefined;
}
