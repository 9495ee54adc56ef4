// Upstream TLS origination: a cluster's transport_socket (envoy.transport_sockets.tls carrying an
// UpstreamTlsContext) becomes the TLS options of every connection the cluster's pool or the TCP
// proxy opens. Without it the proxy would send plaintext where the server expects TLS.
// Envoy's semantics, which this follows:
//  - SNI is `sni`, and nothing when it is unset (not the Host header, not the endpoint address);
//  - ALPN is alpn_protocols, else what the connection will speak (h2 / http/1.1), as Envoy's
//    ALPN fallback does;
//  - with a validation context, the server's chain must lead to the trusted CA, and its subject
//    alt names must satisfy the SAN matchers (and the certificate hash / SPKI pins); there is no
//    other hostname check — Envoy does not compare the certificate with the SNI it sent;
//  - WITHOUT a validation context the server is not verified at all. That is Envoy's behaviour,
//    and what a DestinationRule SIMPLE/MUTUAL without caCertificates (or with insecureSkipVerify)
//    translates to here;
//  - a client certificate is presented when one is configured (MUTUAL);
//  - TLS versions default to Node's (1.2 to 1.3) where Envoy's client default tops out at 1.2.
// A failed handshake or verification is a connect failure; `transportFailureReason` says why,
// for the access log's %UPSTREAM_TRANSPORT_FAILURE_REASON%.
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { ResourceRejected, type Fields } from '../xds-client/fields.js';
import { checkCertificates, describeSource, keyOptions, readSource, watchSources, type SecretSource } from './sds-local.js';
import { readUpstreamTls, type UpstreamTlsSettings } from './tls-config.js';
import { VERIFY_FAILED, verifyServerCertificate } from './tls-verify.js';

export { matchTransportSocket, readTransportSocketMatches, readUpstreamTls, UPSTREAM_TLS_CONTEXT_TYPE, type TransportSocketMatch, type UpstreamTlsSettings } from './tls-config.js';
export { dnsNameMatch, sanMatches, subjectAltNames } from './tls-verify.js';
export type { SanMatcher } from './tls-config.js';

// ---- Loading the certificates (CDS time, and again when a file changes) ----

/** Every secret source a configuration reads (files and mesh secrets are watched). */
export function sourcesOf(s: UpstreamTlsSettings): (SecretSource | 'system' | undefined)[] {
  const sources: (SecretSource | 'system' | undefined)[] = [s.validation?.trustedCa];
  const c = s.certificate;
  if (c) sources.push(...('pkcs12' in c ? [c.pkcs12, c.password] : [c.chain, c.key, c.password]));
  return sources;
}

/** The files a configuration reads. */
export function filesOf(s: UpstreamTlsSettings): string[] {
  return sourcesOf(s).flatMap((x) => (x && x !== 'system' && 'filename' in x ? [x.filename] : []));
}

/** A SecureContext with the trusted CA and client certificate; throws with the reason. */
export function loadSecureContext(s: UpstreamTlsSettings): tls.SecureContext {
  const opts: tls.SecureContextOptions = { ...s.params };
  const ca = s.validation?.trustedCa;
  if (ca && ca !== 'system') {
    opts.ca = readSource(ca, 'trusted CA');
    checkCertificates(opts.ca, describeSource(ca, 'trusted CA'));
  }
  const c = s.certificate;
  if (c) {
    if ('pkcs12' in c) opts.pfx = readSource(c.pkcs12, 'PKCS#12 bundle');
    else {
      opts.cert = readSource(c.chain, 'certificate chain');
      checkCertificates(opts.cert, describeSource(c.chain, 'certificate chain'));
      Object.assign(opts, keyOptions(c.key));
    }
    if (c.password) opts.passphrase = readSource(c.password, 'key password').toString().trim();
  }
  try {
    return tls.createSecureContext(opts);
  } catch (err) {
    const subject = c ? ('pkcs12' in c ? describeSource(c.pkcs12, 'PKCS#12 bundle') : `${describeSource(c.chain, 'certificate')} / ${describeSource(c.key, 'key')}`) : 'TLS parameters';
    throw new Error(`${subject}: ${(err as Error).message}`, { cause: err });
  }
}

// ---- Failures ----

/**
 * Envoy-style %UPSTREAM_TRANSPORT_FAILURE_REASON% for an error on an upstream TLS connection,
 * or undefined when the error says nothing about TLS (connection refused before any handshake).
 * `tcpConnected`: the TCP connection was up, so a reset or EOF interrupted the handshake.
 */
export function transportFailureReason(err: unknown, tcpConnected: boolean): string | undefined {
  const e = err as (Error & { code?: string; reason?: string; cause?: unknown }) | undefined;
  if (!e) return undefined;
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === VERIFY_FAILED) return `TLS_error: CERTIFICATE_VERIFY_FAILED: ${e.message}`;
  // OpenSSL's X509 verification codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED, …).
  if (code !== '' && !code.startsWith('ERR_') && code.includes('_')) return `TLS_error: CERTIFICATE_VERIFY_FAILED: ${e.message} (${code})`;
  // A failure met while writing arrives as EPROTO with OpenSSL's text: "…:SSL routines:<fn>:<reason>:…".
  const openssl = /SSL routines:[^:]*:([^:\n]+)/.exec(e.message ?? '')?.[1];
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_') || openssl !== undefined) {
    return `TLS_error: ${e.reason ?? openssl ?? e.message} (${code})`;
  }
  if (e.cause !== undefined && e.cause !== e) {
    const inner = transportFailureReason(e.cause, tcpConnected);
    if (inner) return inner;
  }
  if (tcpConnected) return `TLS_error: connection ${code === 'ECONNRESET' ? 'reset' : 'closed'} during the handshake${code ? ` (${code})` : ''}`;
  return undefined;
}

/** Whether an error came from the TLS layer itself (an alert or a failed record), not TCP. */
export function isTlsLayerError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('ERR_SSL_') || code === 'EPROTO' || code === VERIFY_FAILED);
}

/**
 * The ALPN list a connection offers: alpn_protocols, else what it will speak. ISTIO_MUTUAL's
 * mesh values alone (`istio-peer-exchange`, `istio`) get the spoken protocol added, as Istio's
 * ALPN override filter does for HTTP: the peer's HTTP chain offers h2/http/1.1, and Node's TLS
 * server refuses a handshake with no protocol in common where Envoy's would carry on without one.
 */
export function offeredAlpn(configured: readonly string[], spoken: AlpnFallback): string[] | undefined {
  if (configured.length === 0) return spoken ? [spoken] : undefined;
  if (spoken && !configured.includes(spoken) && configured.every((p) => p.startsWith('istio'))) return [...configured, spoken];
  return [...configured];
}

// ---- The live object a cluster's pool holds ----

export type AlpnFallback = 'h2' | 'http/1.1' | undefined;

/**
 * A cluster's TLS origination: its settings, the SecureContext built from them (rebuilt when a
 * certificate file changes) and the per-connection options. Built from a broken config or
 * unreadable files it stays in a failed state — every connection fails with the reason — so a
 * cluster that should speak TLS never falls back to plaintext.
 */
export class TlsOrigination {
  private context: tls.SecureContext | undefined;
  private error: string | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly unwatch: () => void;
  private closed = false;

  private constructor(readonly settings: UpstreamTlsSettings | undefined, configError?: string) {
    this.error = configError;
    if (settings) this.load();
    this.unwatch = settings ? watchSources(sourcesOf(settings), () => this.reload()) : () => {};
  }

  /** Undefined for a plaintext cluster; never throws. */
  static fromCluster(cluster: Fields): TlsOrigination | undefined {
    let settings: UpstreamTlsSettings | undefined;
    try {
      settings = readUpstreamTls(cluster);
    } catch (err) {
      return new TlsOrigination(undefined, err instanceof ResourceRejected ? err.message : (err as Error).message);
    }
    return settings ? new TlsOrigination(settings) : undefined;
  }

  static fromSettings(settings: UpstreamTlsSettings): TlsOrigination {
    return new TlsOrigination(settings);
  }

  /**
   * The origination for one of a cluster's sockets (`read` returns its settings, or undefined
   * for plaintext); a config error becomes a failed origination. Never throws.
   */
  static fromSocket(read: () => UpstreamTlsSettings | undefined): TlsOrigination | undefined {
    let settings: UpstreamTlsSettings | undefined;
    try {
      settings = read();
    } catch (err) {
      return new TlsOrigination(undefined, (err as Error).message);
    }
    return settings ? new TlsOrigination(settings) : undefined;
  }

  /** Why connections cannot be made (bad config, unreadable certificate), if they cannot. */
  get failure(): string | undefined {
    return this.context ? undefined : `TLS_error: ${this.error ?? 'no TLS context'}`;
  }

  /**
   * Options for tls.connect (or an https.Agent) to one endpoint. `alpn`: what the connection
   * will speak, offered when alpn_protocols is empty. Throws when the origination has failed.
   */
  connectOptions(alpn: AlpnFallback): tls.ConnectionOptions {
    if (!this.context || !this.settings) throw Object.assign(new Error(this.failure), { code: 'ERR_UPSTREAM_TLS_CONFIG' });
    const s = this.settings;
    const validation = s.validation;
    const protocols = offeredAlpn(s.alpn, alpn);
    return {
      secureContext: this.context,
      // '' (not undefined) stops Node from deriving SNI from the host or Host header.
      servername: s.sni !== '' && isIP(s.sni) === 0 ? s.sni : '',
      ...(protocols ? { ALPNProtocols: protocols } : {}),
      rejectUnauthorized: validation !== undefined,
      checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => {
        if (!validation) return undefined;
        const why = verifyServerCertificate(validation, cert);
        return why === undefined ? undefined : Object.assign(new Error(why), { code: VERIFY_FAILED });
      },
    };
  }

  /** Called after a certificate file or mesh secret changed and the new material loaded. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.unwatch();
    this.listeners.clear();
  }

  private load(): boolean {
    try {
      this.context = loadSecureContext(this.settings!);
      this.error = undefined;
      return true;
    } catch (err) {
      this.error = (err as Error).message;
      return false;
    }
  }

  private reload(): void {
    if (this.closed) return;
    // A rotation caught half-way (key written, certificate not yet) keeps the last good material.
    if (!this.load()) return;
    for (const l of [...this.listeners]) l();
  }
}
