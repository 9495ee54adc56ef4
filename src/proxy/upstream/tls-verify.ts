// Verifying an upstream server's certificate against a cluster's validation context: the
// subject alt name matchers (DNS wildcards as Envoy matches them) and the hash / SPKI pins.
import { createHash, X509Certificate } from 'node:crypto';
import { isIP, SocketAddress } from 'node:net';
import * as tls from 'node:tls';
import { stringMatches } from '../router/string-matcher.js';

import type { SanMatcher, SanType, ServerValidation } from './tls-config.js';

// ---- Verifying the server (every new connection) ----

/** The SANs of a certificate, from Node's `DNS:a, URI:b, IP Address:c` text (values may be JSON-quoted). */
export function subjectAltNames(text: string | undefined): { type: SanType; value: string }[] {
  const out: { type: SanType; value: string }[] = [];
  if (!text) return out;
  const kinds: Record<string, SanType> = { DNS: 'DNS', URI: 'URI', email: 'EMAIL', 'IP Address': 'IP_ADDRESS' };
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const kind = text.slice(i, colon);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      let j = colon + 2;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      value = JSON.parse(text.slice(colon + 1, j + 1)) as string;
      next = text.indexOf(', ', j);
    } else {
      next = text.indexOf(', ', colon);
      value = text.slice(colon + 1, next < 0 ? undefined : next);
    }
    const type = kinds[kind];
    if (type) out.push({ type, value: type === 'IP_ADDRESS' ? canonicalIp(value) : value });
    if (next < 0) break;
    i = next + 2;
  }
  return out;
}

function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return new SocketAddress({ address: ip, family: 'ipv6' }).address;
}

/** Envoy's DNS name match: case-insensitive, and a `*.` SAN covers exactly one more label. */
export function dnsNameMatch(name: string, san: string): boolean {
  const n = name.toLowerCase();
  const p = san.toLowerCase();
  if (n === p) return true;
  if (!p.startsWith('*.')) return false;
  const suffix = p.slice(1);
  if (n.length <= suffix.length || !n.endsWith(suffix)) return false;
  return !n.slice(0, n.length - suffix.length).includes('.');
}

export function sanMatches(m: SanMatcher, san: { type: SanType; value: string }): boolean {
  if (m.type !== 'ANY' && m.type !== san.type) return false;
  // An exact DNS matcher follows DNS rules, so a wildcard certificate satisfies it (as in Envoy).
  if (san.type === 'DNS' && m.matcher.exact !== undefined) return dnsNameMatch(String(m.matcher.exact), san.value);
  return stringMatches(m.matcher, san.value);
}

/** Why the server's (chain-verified) certificate is not acceptable, or undefined when it is. */
export function verifyServerCertificate(v: ServerValidation, cert: tls.PeerCertificate): string | undefined {
  if (v.sans.length > 0) {
    const names = subjectAltNames(cert.subjectaltname);
    if (!v.sans.some((m) => names.some((n) => sanMatches(m, n)))) return 'verify cert failed: SAN matcher';
  }
  if (v.hashes.length + v.spkis.length > 0) {
    const hash = createHash('sha256').update(cert.raw).digest('hex');
    const spki = createHash('sha256').update(new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    if (!v.hashes.includes(hash) && !v.spkis.includes(spki)) return 'verify cert failed: cert hash and spki';
  }
  return undefined;
}

/** The code on errors from our own certificate checks. */
export const VERIFY_FAILED = 'ERR_UPSTREAM_TLS_VERIFY';
