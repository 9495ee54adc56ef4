// Just enough WebSocket (RFC 6455) to see an upgrade cross the proxy: a backend that completes
// the handshake and echoes text frames, and a hand-written client over node:net — so the test
// sees the raw 101 and the bytes after it, with no library smoothing anything over.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** One unfragmented text frame (payload < 126 bytes), masked as a client must send it. */
export function textFrame(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error('short frames only');
  if (!masked) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, body]);
}

/** Reads one short text frame from the front of `buf`; undefined until it is complete. */
export function readTextFrame(buf: Buffer): { text: string; rest: Buffer } | undefined {
  if (buf.length < 2) return undefined;
  const masked = (buf[1]! & 0x80) !== 0;
  const len = buf[1]! & 0x7f;
  const start = 2 + (masked ? 4 : 0);
  if (len >= 126 || buf.length < start + len) return undefined;
  const mask = masked ? buf.subarray(2, 6) : undefined;
  const payload = Buffer.from(buf.subarray(start, start + len).map((b, i) => (mask ? b ^ mask[i % 4]! : b)));
  return { text: payload.toString(), rest: buf.subarray(start + len) };
}

export interface WebSocketBackend {
  port: number;
  /** The upgrade requests received: path and Host. */
  upgrades: { path: string; host: string }[];
  close(): Promise<void>;
}

/** Completes every upgrade and answers each text frame with `echo: <text>`. */
export async function startWebSocketBackend(): Promise<WebSocketBackend> {
  const upgrades: WebSocketBackend['upgrades'] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(426, { upgrade: 'websocket' }).end());
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    upgrades.push({ path: req.url ?? '', host: req.headers.host ?? '' });
    const key = String(req.headers['sec-websocket-key'] ?? '');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
    let pending = head;
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let f = readTextFrame(pending); f; f = readTextFrame(pending)) {
        pending = f.rest;
        socket.write(textFrame(`echo: ${f.text}`, false));
      }
    };
    socket.on('data', onData);
    if (head.length > 0) onData(Buffer.alloc(0));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    upgrades,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

export interface HandshakeResult {
  /** The response head up to the blank line. */
  head: string;
  status: number;
  accept: string | undefined;
  expectedAccept: string;
  socket: net.Socket;
  /** Bytes that came after the response head. */
  rest: Buffer;
}

/** Sends the upgrade request (`target` may be absolute-form, for an HTTP proxy) and reads the response head. */
export function handshake(port: number, target: string, host: string): Promise<HandshakeResult> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no upgrade response; got ${JSON.stringify(buf.toString())}`));
    }, 10_000);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('connect', () => {
      socket.write([
        `GET ${target} HTTP/1.1`, `Host: ${host}`, 'Upgrade: websocket', 'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', '', '',
      ].join('\r\n'));
    });
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      const head = buf.subarray(0, end).toString();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
      resolve({ head, status, accept, expectedAccept: acceptFor(key), socket, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}

/** Sends a text frame on an upgraded socket and waits for one text frame back. */
export function exchange(socket: net.Socket, already: Buffer, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = already;
    const timer = setTimeout(() => reject(new Error(`no frame back; got ${buf.length} bytes`)), 10_000);
    const check = () => {
      const f = readTextFrame(buf);
      if (!f) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(f.text);
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      check();
    };
    socket.on('data', onData);
    socket.resume();
    socket.write(textFrame(text, true));
    check();
  });
}
