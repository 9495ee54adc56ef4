// Reads SNI and ALPN out of a TLS ClientHello without terminating TLS (Envoy's tls_inspector):
// enough to pick a filter chain, or to pass the connection through untouched.
export interface ClientHelloFacts {
  serverName?: string;
  alpn: string[];
}

/** 'incomplete' until the whole first handshake record is buffered; undefined if not TLS. */
export function parseClientHello(buf: Buffer): ClientHelloFacts | 'incomplete' | undefined {
  if (buf.length < 1) return 'incomplete';
  if (buf[0] !== 0x16) return undefined;
  if (buf.length < 5) return 'incomplete';
  const recordLength = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLength) return 'incomplete';
  const hs = buf.subarray(5, 5 + recordLength);
  if (hs[0] !== 0x01) return undefined; // not a ClientHello
  try {
    let p = 4 + 2 + 32; // handshake header, client_version, random
    p += 1 + hs[p]!; // session id
    p += 2 + hs.readUInt16BE(p); // cipher suites
    p += 1 + hs[p]!; // compression methods
    const out: ClientHelloFacts = { alpn: [] };
    if (p + 2 > hs.length) return out;
    const end = p + 2 + hs.readUInt16BE(p);
    p += 2;
    while (p + 4 <= end) {
      const type = hs.readUInt16BE(p);
      const len = hs.readUInt16BE(p + 2);
      const body = hs.subarray(p + 4, p + 4 + len);
      if (type === 0x0000 && body.length >= 5 && body[2] === 0) {
        const nameLen = body.readUInt16BE(3);
        out.serverName = body.subarray(5, 5 + nameLen).toString('ascii').toLowerCase();
      } else if (type === 0x0010 && body.length >= 2) {
        let q = 2;
        while (q < body.length) {
          const l = body[q]!;
          out.alpn.push(body.subarray(q + 1, q + 1 + l).toString('ascii'));
          q += 1 + l;
        }
      }
      p += 4 + len;
    }
    return out;
  } catch {
    return undefined;
  }
}
