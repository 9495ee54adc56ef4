// The attribute bags of one TCP connection as the Mixer TCP filter sends them (docs/attributes.md,
// "TCP connections"): what the connection says about itself — addresses, mutual TLS and the
// verified peer, an id — over the workload's own attributes from the filter's config, then per
// Report the event and the bytes. Bytes are counted on the client's socket: `received` is what
// the client sent, `sent` what went back to it; `connection.*.bytes` is the part since the
// previous report of this connection, `*.bytes_total` everything so far (as Istio counted).
import { randomBytes } from 'node:crypto';
import type { Status } from '../../mixer/adapters/status.js';
import { Duration, type AttributeValue } from '../../mixer/attributes/types.js';
import { ipBytes } from '../http/filters/mixer-attributes.js';
import type { DownstreamConnection } from './filter.js';

type Bag = Record<string, AttributeValue>;

export type ConnectionEvent = 'open' | 'continue' | 'close';

/** connection.id is `<process prefix>-<n>`, unique across the mesh's proxies as Istio's uuid-id was. */
const ID_PREFIX = randomBytes(6).toString('hex');
let nextId = 0;

export class ConnectionAttributes {
  private readonly base: Bag;
  private reportedReceived = 0;
  private reportedSent = 0;
  /** The Check's answer when it was not OK (check.error_code/message on every Report). */
  checkError: Status | undefined;
  /** Whether the Check came from the client's cache (check.cache_hit). */
  checkHit: boolean | undefined;

  constructor(private readonly conn: DownstreamConnection, own: Readonly<Bag>) {
    const s = conn.socket;
    const derived: Bag = {
      'connection.id': `${ID_PREFIX}-${++nextId}`,
      'context.protocol': 'tcp',
      'context.reporter.kind': conn.direction === 'inbound' ? 'inbound' : 'outbound',
      'connection.mtls': conn.mtls,
    };
    const sourceIp = s.remoteAddress ? ipBytes(s.remoteAddress) : undefined;
    if (sourceIp) derived['source.ip'] = sourceIp;
    if (s.remotePort !== undefined) derived['source.port'] = s.remotePort;
    const destinationIp = s.localAddress ? ipBytes(s.localAddress) : undefined;
    if (destinationIp) derived['destination.ip'] = destinationIp;
    if (s.localPort !== undefined) derived['destination.port'] = s.localPort;
    if (conn.serverName) derived['connection.requested_server_name'] = conn.serverName;
    // Mixer's principals are Istio's: the SPIFFE id without its scheme.
    if (conn.peerPrincipal?.startsWith('spiffe://')) {
      const principal = conn.peerPrincipal.slice('spiffe://'.length);
      derived['source.principal'] = principal;
      const ns = /\/ns\/([^/]+)\/sa\//.exec(principal)?.[1];
      if (ns) derived['source.namespace'] = ns;
    }
    this.base = { ...own, ...derived };
  }

  /** The bag Check decides on, when the connection opens. */
  check(): Bag {
    return { ...this.base, 'context.time': new Date() };
  }

  /** One Report's bag; advances the per-report byte counts. */
  report(event: ConnectionEvent): Bag {
    const s = this.conn.socket;
    const received = s.bytesRead;
    const sent = s.bytesWritten;
    const bag: Bag = {
      ...this.base,
      'context.time': new Date(),
      'connection.event': event,
      'connection.received.bytes': received - this.reportedReceived,
      'connection.received.bytes_total': received,
      'connection.sent.bytes': sent - this.reportedSent,
      'connection.sent.bytes_total': sent,
      'connection.duration': new Duration(Date.now() - this.conn.startTime),
    };
    this.reportedReceived = received;
    this.reportedSent = sent;
    if (this.checkError) {
      bag['check.error_code'] = this.checkError.code;
      bag['check.error_message'] = this.checkError.message;
    }
    if (this.checkHit !== undefined) bag['check.cache_hit'] = this.checkHit;
    return bag;
  }
}
