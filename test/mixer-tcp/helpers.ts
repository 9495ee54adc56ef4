// Shared by the Mixer TCP filter tests: a TCP echo server that counts what reaches it, a client
// connection that says whether it was closed on it, Mixer config that logs every TCP report
// through stdio, and a reader of that log by connection.
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { docs, yaml } from '../mixer/helpers.js';

export interface TcpEcho {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Bytes received from all connections so far. */
  bytes: number;
  close(): Promise<void>;
}

export function startTcpEcho(): Promise<TcpEcho> {
  const sockets = new Set<net.Socket>();
  const echo: TcpEcho = { port: 0, connections: 0, bytes: 0, close: async () => {} };
  const server = net.createServer((s) => {
    echo.connections++;
    sockets.add(s);
    s.on('data', (d) => (echo.bytes += d.length));
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  echo.close = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      echo.port = (server.address() as net.AddressInfo).port;
      resolve(echo);
    });
  });
}

/** A client connection: send bytes and wait for their echo, or see it closed. */
export class TcpClient {
  private received = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  /** Settles when the socket has closed (error or not). */
  readonly closed: Promise<void>;
  readonly localPort: Promise<number>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => {
      resolve();
      this.wake();
    }));
    this.localPort = new Promise((resolve) => socket.once('connect', () => resolve(socket.localPort!)));
  }

  static connect(port: number): TcpClient {
    return new TcpClient(net.connect({ host: '127.0.0.1', port }));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  get bytes(): string {
    return this.received.toString();
  }

  /** Resolves once at least `n` bytes have arrived in all; rejects if the connection closes first. */
  async read(n: number): Promise<string> {
    while (this.received.length < n) {
      if (this.socket.destroyed) throw new Error(`connection closed after ${this.received.length} of ${n} bytes`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.received.toString();
  }

  /** Sends `text` and waits for its echo; returns everything received so far. */
  async roundTrip(text: string): Promise<string> {
    const want = this.received.length + Buffer.byteLength(text);
    this.socket.write(text);
    return this.read(want);
  }

  /** Half-closes and waits for the proxy to close the connection. */
  async end(): Promise<void> {
    this.socket.end();
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** One stdio line of a TCP report (the `tcpreport` instance below). */
export interface TcpReportLine {
  event: string;
  id: string;
  sourcePort: number;
  destinationPort: number;
  received: number;
  receivedTotal: number;
  sent: number;
  sentTotal: number;
  code: number;
  message: string;
  protocol: string;
  mtls: boolean;
}

/** Mixer config: every TCP report as one stdio JSON line in `logFile`. */
export function tcpTelemetry(logFile: string): string {
  return docs(
    yaml.handler('tcplog', 'stdio', { logStream: 'FILE', outputPath: logFile }),
    yaml.instance('tcpreport', 'logentry', {
      severity: '"info"',
      variables: {
        event: 'connection.event | ""',
        id: 'connection.id | ""',
        sourcePort: 'source.port | 0',
        destinationPort: 'destination.port | 0',
        received: 'connection.received.bytes | 0',
        receivedTotal: 'connection.received.bytes_total | 0',
        sent: 'connection.sent.bytes | 0',
        sentTotal: 'connection.sent.bytes_total | 0',
        code: 'check.error_code | 0',
        message: 'check.error_message | ""',
        protocol: 'context.protocol | ""',
        mtls: 'connection.mtls | false',
      },
    }),
    yaml.rule('tcptelemetry', 'context.protocol == "tcp"', [{ handler: 'tcplog', instances: ['tcpreport'] }]),
  );
}

/** The report lines for the client connection from `sourcePort`, oldest first. */
export function reportsFrom(logFile: string, sourcePort: number): TcpReportLine[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TcpReportLine)
    .filter((r) => r.sourcePort === sourcePort);
}
