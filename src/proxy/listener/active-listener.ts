// A bound listener: accepts connections, picks the filter chain for each (sniffing the TLS
// ClientHello only when some chain matches on SNI, ALPN or transport protocol), terminates TLS
// when the chain says so, and hands the connection to the chain's HTTP connection manager or TCP
// proxy. A config update swaps the chains; connections already accepted finish on the chains
// they started with. Failed TLS handshakes close the connection and are counted and logged.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ProxyObserver } from '../http/observer.js';
import { peerIdentity } from '../http/peer-identity.js';
import { admitConnection } from '../network-filters/index.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import type { BuiltListener } from './build.js';
import { parseClientHello } from './client-hello.js';
import { TlsAcceptor } from './downstream-tls.js';
import { selectChain, type ConnectionFacts } from './filter-chain-match.js';
import type { NetworkChain } from './network-chain.js';
import { proxyTcp } from './tcp-proxy.js';

/** Envoy's listener_filters_timeout: how long to wait for a ClientHello. */
const SNIFF_TIMEOUT_MS = 15_000;

/** A repeated handshake failure is logged at most this often (a scanner would flood the log). */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/** Envoy's listener `ssl.*` counters, the ones the proxy can tell apart. */
export interface DownstreamTlsStats {
  handshakes: number;
  /** Connections closed for a failed handshake or a client check. */
  failures: number;
  byReason: Map<string, number>;
}

export class ActiveListener {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private retired: BuiltListener[] = [];
  private readonly acceptors = new WeakMap<NetworkChain, TlsAcceptor>();
  private readonly lastFailureLog = new Map<string, { at: number; suppressed: number }>();
  readonly tlsStats: DownstreamTlsStats = { handshakes: 0, failures: 0, byReason: new Map() };

  constructor(
    readonly name: string,
    readonly address: { host: string; port: number },
    public built: BuiltListener,
    private readonly clusters: ClusterManager,
    private readonly observer: ProxyObserver,
    private readonly log: (line: string) => void,
  ) {
    this.server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => this.onConnection(socket));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.address.host, port: this.address.port, backlog: 1024 }, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => this.log(`listener ${this.name}: ${err.message}`));
        resolve();
      });
    });
  }

  /** The port actually bound (differs from the config's when it asked for 0). */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  update(built: BuiltListener): void {
    if (built === this.built) return;
    this.retired.push(this.built);
    this.built = built;
    // Old connection managers drain: their kept-alive connections close when idle.
    for (const old of this.retired) for (const c of allChains(old)) if (c.terminal.kind === 'http') c.terminal.hcm.drain();
    this.retired = this.retired.filter((b) => allChains(b).some((c) => c.terminal.kind === 'http' && c.terminal.hcm.openConnections > 0));
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const built = this.built;
    const facts: ConnectionFacts = { destinationPort: socket.localPort ?? this.address.port, transportProtocol: 'raw_buffer' };
    if (!built.sniff) {
      this.dispatch(socket, built, facts);
      return;
    }
    let seen = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), SNIFF_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const hello = parseClientHello(seen);
      if (hello === 'incomplete' && seen.length < 64 * 1024) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      socket.unshift(seen);
      if (hello && hello !== 'incomplete') {
        facts.transportProtocol = 'tls';
        if (hello.serverName) facts.serverName = hello.serverName;
        facts.alpn = hello.alpn;
      }
      // A TLS-terminating chain's TLS socket reads the put-back bytes and takes over the
      // socket's handle; resuming the plain socket then would steal its reads.
      if (!this.dispatch(socket, built, facts)) process.nextTick(() => socket.resume());
    };
    socket.on('data', onData);
  }

  /** Hands the connection to its chain; true when TLS took the socket over. */
  private dispatch(socket: net.Socket, built: BuiltListener, facts: ConnectionFacts): boolean {
    const index = selectChain(built.chains.map((c) => c.match), facts);
    const chain: NetworkChain | undefined = index >= 0 ? built.chains[index] : built.defaultChain;
    if (!chain) {
      socket.destroy();
      return false;
    }
    if (chain.tls) {
      this.acceptorFor(chain, built).accept(socket);
      return true;
    }
    this.toTerminal(socket, chain, built, Date.now());
    return false;
  }

  private acceptorFor(chain: NetworkChain, built: BuiltListener): TlsAcceptor {
    let acceptor = this.acceptors.get(chain);
    if (!acceptor) {
      acceptor = new TlsAcceptor(chain.tls!, {
        secure: (tlsSocket: tls.TLSSocket) => {
          this.tlsStats.handshakes++;
          this.toTerminal(tlsSocket, chain, built, Date.now());
        },
        failed: (reason, remote) => this.onTlsFailure(chain, reason, remote),
      });
      this.acceptors.set(chain, acceptor);
    }
    return acceptor;
  }

  private onTlsFailure(chain: NetworkChain, reason: string, remote: string | undefined): void {
    this.tlsStats.failures++;
    this.tlsStats.byReason.set(reason, (this.tlsStats.byReason.get(reason) ?? 0) + 1);
    const key = `${chain.name}\u0000${reason}`;
    const last = this.lastFailureLog.get(key);
    const now = Date.now();
    if (last && now - last.at < FAILURE_LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    const more = last?.suppressed ? ` (${last.suppressed} more like it since the last report)` : '';
    this.lastFailureLog.set(key, { at: now, suppressed: 0 });
    const from = remote ? ` from ${remote}` : '';
    this.log(`listener ${this.name}: TLS connection${from} closed${chain.name ? ` (chain ${chain.name})` : ''}: ${reason}${more}`);
  }

  private toTerminal(socket: net.Socket, chain: NetworkChain, built: BuiltListener, startTime: number): void {
    const t = chain.terminal;
    if (t.kind === 'http') {
      t.hcm.accept(socket);
      return;
    }
    const downstreamRemote = `${socket.remoteAddress}:${socket.remotePort}`;
    const downstreamLocal = `${socket.localAddress}:${socket.localPort}`;
    // A TCP chain's verified mutual-TLS peer, as the HTTP connection manager records it per stream.
    const secure = socket instanceof tls.TLSSocket;
    const principal = secure ? peerIdentity(socket)?.uriSans[0] : undefined;
    const proxy = () => {
      this.observer.onTcpOpen?.(this.name, built.direction, t.tcp.clusters[0]!.name);
      proxyTcp(socket, t.tcp, this.clusters, (s) => {
        this.observer.onTcpComplete?.({ listener: this.name, direction: built.direction, downstreamRemote, downstreamLocal, startTime, ...s, ...(secure ? { tls: true } : {}), ...(principal ? { peerPrincipal: principal } : {}) });
      });
    };
    if (!chain.filters) return proxy();
    // The chain's network filters first (the Mixer TCP filter's Check): the TCP proxy only for an admitted connection.
    const sni = secure ? (socket as tls.TLSSocket & { servername?: unknown }).servername : undefined;
    admitConnection({
      socket, listener: this.name, direction: built.direction, startTime, mtls: secure && peerIdentity(socket) !== undefined,
      ...(principal ? { peerPrincipal: principal } : {}), ...(typeof sni === 'string' && sni !== '' ? { serverName: sni } : {}),
    }, chain.filters, this.log, proxy);
  }

  /** Stops accepting; HTTP connections are asked to finish (drain). */
  stopAccepting(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const c of allChains(this.built)) if (c.terminal.kind === 'http') c.terminal.hcm.drain();
      for (const b of this.retired) for (const c of allChains(b)) if (c.terminal.kind === 'http') c.terminal.hcm.drain();
    });
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  close(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

function allChains(b: BuiltListener): NetworkChain[] {
  return b.defaultChain ? [...b.chains, b.defaultChain] : b.chains;
}
