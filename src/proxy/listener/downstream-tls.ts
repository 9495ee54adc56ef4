// The live side of a filter chain's TLS termination: the certificate material read from its
// files, the mesh secrets `default`/`ROOTCA` or a Gateway credential received over SDS (re-read
// when they change, so a rotated certificate reaches new connections while existing ones keep
// theirs), and the handshake itself. The handshake runs in a tls.Server that never listens — accepted sockets
// are handed to it — because Node verifies a client's certificate chain only for sockets a
// tls.Server owns; a bare server-side TLSSocket would accept any certificate. Checks Envoy makes
// that OpenSSL does not (SAN matchers, hash / SPKI pins, require_sni) run once the handshake is
// done, before the connection reaches the chain's terminal.
// Certificates that cannot be read do not reject the listener (Envoy would keep it warming on the
// missing secret): the chain refuses handshakes with the reason until the files load.
import { constants as cryptoConstants } from 'node:crypto';
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { ticketKeys } from './session-tickets.js';
import type { MeshSecretName } from '../identity/secret-store.js';
import { checkCertificates, credentialsOf, describeSource, FILE_POLL_MS, keyOptions, meshSecretsOf, meshSecretsStamp, readSource, type SecretSource } from '../upstream/sds-local.js';
import { credentialsStamp } from '../upstream/sds-credentials.js';
import { verifyServerCertificate } from '../upstream/tls-verify.js';
import type { DownstreamTlsSettings } from './tls-termination.js';

/** Every secret source a chain's TLS reads. */
export function sourcesOf(s: DownstreamTlsSettings): (SecretSource | undefined)[] {
  const sources: (SecretSource | undefined)[] = [s.clientValidation?.trustedCa, s.clientValidation?.crl];
  for (const c of s.certificates) sources.push(...('pkcs12' in c ? [c.pkcs12, c.password] : [c.chain, c.key, c.password]));
  return sources;
}

/** The files a chain's TLS reads. */
export function filesOf(s: DownstreamTlsSettings): string[] {
  return [...new Set(sourcesOf(s).flatMap((x) => (x && 'filename' in x ? [x.filename] : [])))];
}

/** tls.Server options with the certificates, CA and parameters; throws with the reason. */
export function loadServerOptions(s: DownstreamTlsSettings): tls.TlsOptions {
  const opts: tls.TlsOptions = { ...s.params };
  const cert: Buffer[] = [];
  const key: { pem: Buffer; passphrase?: string }[] = [];
  const pfx: { buf: Buffer; passphrase?: string }[] = [];
  for (const c of s.certificates) {
    const passphrase = c.password ? readSource(c.password, 'key password').toString().trim() : undefined;
    if ('pkcs12' in c) {
      pfx.push({ buf: readSource(c.pkcs12, 'PKCS#12 bundle'), ...(passphrase !== undefined ? { passphrase } : {}) });
      continue;
    }
    const chain = readSource(c.chain, 'certificate chain');
    checkCertificates(chain, describeSource(c.chain, 'certificate chain'));
    cert.push(chain);
    const k = keyOptions(c.key, passphrase);
    if ('privateKeyEngine' in k) {
      // A key inside a token (the workload key with the pkcs11 provider) is named, never read.
      if (opts.privateKeyEngine !== undefined) throw new Error('a chain can use only one private key held in a token');
      Object.assign(opts, k);
    } else {
      key.push({ pem: Buffer.from(k.key), ...(passphrase !== undefined ? { passphrase } : {}) });
    }
  }
  if (cert.length) Object.assign(opts, { cert, ...(key.length ? { key } : {}) });
  if (pfx.length) opts.pfx = pfx;
  const v = s.clientValidation;
  if (v) {
    opts.ca = readSource(v.trustedCa, 'trusted CA');
    checkCertificates(opts.ca, describeSource(v.trustedCa, 'trusted CA'));
    if (v.crl) opts.crl = readSource(v.crl, 'CRL');
  }
  if (s.sessionTimeoutS !== undefined) opts.sessionTimeout = s.sessionTimeoutS;
  if (s.disableTickets) opts.secureOptions = cryptoConstants.SSL_OP_NO_TICKET;
  try {
    // Built once here so a key that does not match its certificate is reported now, with names.
    tls.createSecureContext(opts);
  } catch (err) {
    const subject = s.certificates.map((c) => ('pkcs12' in c ? describeSource(c.pkcs12, 'PKCS#12 bundle') : `${describeSource(c.chain, 'certificate')} / ${describeSource(c.key, 'key')}`)).join(', ');
    throw new Error(`${subject}: ${(err as Error).message}`, { cause: err });
  }
  return opts;
}

/** A file's identity for change detection: a rewrite, a replacement or a removal all show. */
function stamp(path: string, s: { mtimeMs: number; ino: number; size: number } | undefined): string {
  return s ? `${path}:${s.mtimeMs}:${s.ino}:${s.size}` : `${path}:missing`;
}

/**
 * A chain's certificate material. Loaded when the listener is built; looked at again (one stat
 * per file, at most once a second, only while connections arrive) and reloaded when a file
 * changed. A reload that fails keeps the last good material, as a rotation caught half-way
 * (key written, certificate not yet) should not take the listener down.
 */
export class DownstreamTlsMaterial {
  private options: tls.TlsOptions | undefined;
  private error: string | undefined;
  private stamps = '';
  private lastLook = 0;
  private looking = false;
  private readonly files: string[];
  private readonly meshNames: MeshSecretName[];
  private meshStamp = '';
  private readonly credentialNames: string[];
  private credentialStamp = '';
  /** Bumped on every successful (re)load. */
  version = 0;

  constructor(readonly settings: DownstreamTlsSettings) {
    this.files = filesOf(settings);
    this.meshNames = meshSecretsOf(sourcesOf(settings));
    this.stamps = this.stampsNow();
    this.meshStamp = meshSecretsStamp(this.meshNames);
    this.credentialNames = credentialsOf(sourcesOf(settings));
    this.credentialStamp = credentialsStamp(this.credentialNames);
    this.load();
  }

  /** Why no handshake can be made, when none can. */
  get failure(): string | undefined {
    return this.options ? undefined : `no usable certificate: ${this.error ?? 'not loaded'}`;
  }

  get serverOptions(): tls.TlsOptions | undefined {
    return this.options;
  }

  /** Re-reads the files if they changed since the last look; the result shows on later connections. */
  refresh(): void {
    if (this.meshNames.length > 0) {
      // Mesh secrets are in memory: a version check per connection is cheap, and the first
      // connection after a rotation already gets the new certificate.
      const stamp = meshSecretsStamp(this.meshNames);
      if (stamp !== this.meshStamp) {
        this.meshStamp = stamp;
        this.load();
      }
    }
    if (this.credentialNames.length > 0) {
      // Gateway credentials arrive over SDS into memory: the same per-connection version check.
      const stamp = credentialsStamp(this.credentialNames);
      if (stamp !== this.credentialStamp) {
        this.credentialStamp = stamp;
        this.load();
      }
    }
    const now = Date.now();
    if (this.looking || this.files.length === 0 || now - this.lastLook < FILE_POLL_MS) return;
    this.lastLook = now;
    this.looking = true;
    void Promise.all(this.files.map((f) => stat(f).then((s) => stamp(f, s), () => stamp(f, undefined))))
      .then((stamps) => {
        const joined = stamps.join('|');
        if (joined === this.stamps) return;
        this.stamps = joined;
        this.load();
      })
      .finally(() => (this.looking = false));
  }

  private stampsNow(): string {
    return this.files.map((f) => {
      try {
        return stamp(f, statSync(f));
      } catch {
        return stamp(f, undefined);
      }
    }).join('|');
  }

  private load(): void {
    try {
      this.options = loadServerOptions(this.settings);
      this.error = undefined;
      this.version++;
    } catch (err) {
      this.error = (err as Error).message;
      // Tried again at the next look even if no file changes (a rotation caught half-way).
      this.stamps = '';
    }
  }
}

/** Why the peer of a finished handshake may not use the chain, or undefined when it may. */
export function clientProblem(s: DownstreamTlsSettings, socket: tls.TLSSocket): string | undefined {
  if (s.requireSni && !socket.servername) return 'the client sent no SNI (require_sni)';
  const v = s.clientValidation;
  if (!v) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert?.raw) return s.requireClientCertificate ? 'the client presented no certificate' : undefined;
  if (!socket.authorized) return `client certificate not verified: ${String(socket.authorizationError ?? 'unknown error')}`;
  const why = verifyServerCertificate(v, cert);
  return why === undefined ? undefined : `client ${why}`;
}

/** Why a handshake failed, from a tls.Server's tlsClientError. */
export function handshakeFailureReason(err: Error & { code?: string; reason?: string }, socket: tls.TLSSocket | undefined): string {
  const verify = socket?.authorizationError;
  if (verify) return `client certificate not verified: ${String(verify)}`;
  if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'handshake timed out';
  if (err.code === 'ECONNRESET') return 'the client closed the connection during the handshake';
  return `${err.reason ?? err.message.split('\n')[0]}${err.code ? ` (${err.code})` : ''}`;
}

export interface TlsAcceptorEvents {
  /** The handshake and every check passed. */
  secure(socket: tls.TLSSocket): void;
  /** The connection was closed; `reason` says why; `remote` is the peer, when still known. */
  failed(reason: string, remote: string | undefined): void;
}

/** Terminates TLS on accepted sockets for one chain of one bound listener. */
export class TlsAcceptor {
  private server: tls.Server | undefined;
  private serverVersion = -1;
  private ticketVersion = -1;

  constructor(private readonly material: DownstreamTlsMaterial, private readonly events: TlsAcceptorEvents) {}

  /** Takes over an accepted (possibly paused, with the ClientHello put back) socket. */
  accept(raw: net.Socket): void {
    this.material.refresh();
    const server = this.serverNow();
    if (!server) {
      const remote = `${raw.remoteAddress}:${raw.remotePort}`;
      raw.destroy();
      this.events.failed(this.material.failure ?? 'no TLS context', remote);
      return;
    }
    if (this.ticketVersion !== ticketKeys.version) {
      server.setTicketKeys(ticketKeys.current);
      this.ticketVersion = ticketKeys.version;
    }
    server.emit('connection', raw);
  }

  private serverNow(): tls.Server | undefined {
    const options = this.material.serverOptions;
    if (!options) return undefined;
    if (this.server) {
      if (this.serverVersion !== this.material.version) this.server.setSecureContext(options);
      this.serverVersion = this.material.version;
      return this.server;
    }
    const s = this.material.settings;
    const verify = s.clientValidation !== undefined;
    const server = tls.createServer({
      ...options,
      // A required certificate is enforced by OpenSSL (the client gets an alert); an optional
      // one is checked after the handshake, when one was presented.
      requestCert: verify,
      rejectUnauthorized: verify && s.requireClientCertificate,
      ...(s.alpn.length > 0 ? { ALPNProtocols: s.alpn } : {}),
      handshakeTimeout: s.handshakeTimeoutMs,
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      const problem = clientProblem(s, socket);
      if (problem === undefined) return this.events.secure(socket);
      const remote = `${socket.remoteAddress}:${socket.remotePort}`;
      socket.destroy();
      this.events.failed(problem, remote);
    });
    server.on('tlsClientError', (err: Error & { code?: string; reason?: string }, socket: tls.TLSSocket) => {
      // A socket Node closed itself (a client certificate that failed verification) no longer knows its peer.
      this.events.failed(handshakeFailureReason(err, socket), socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : undefined);
    });
    this.server = server;
    this.serverVersion = this.material.version;
    return server;
  }
}
