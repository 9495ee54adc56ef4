// PKCS#11 URIs (RFC 7512) that name a key in a token: what OpenSSL's pkcs11 engine is given
// instead of the key itself.

/** Percent-encodes everything but RFC 3986 unreserved characters, so labels and PINs cannot break the URI. */
function encode(value: string | Buffer): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) && typeof value === 'string' ? c : `%${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export interface KeyUri {
  tokenLabel: string;
  /** CKA_ID of the key pair. */
  id: Buffer;
  /** The user PIN, for a caller that cannot be asked for it (Node's TLS). */
  pin?: string;
}

export function privateKeyUri(key: KeyUri): string {
  const path = `token=${encode(key.tokenLabel)};id=${encode(key.id)};type=private`;
  // pin-value is a query attribute in RFC 7512; libp11 also reads it from the path, which is
  // the form its own documentation uses.
  return key.pin === undefined ? `pkcs11:${path}` : `pkcs11:${path};pin-value=${encode(key.pin)}`;
}
