// One try of a request against one endpoint: the router's unit of retry. It resolves when the
// upstream's response headers arrive, or with the kind of failure Envoy's retry_on and outlier
// detection distinguish (connect failure, reset, refused stream, per-try timeout). On a TLS
// cluster the connection counts as made once the handshake (and the server's verification) is
// done, so a handshake or verification failure is a connect failure, with the reason why.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { endToEndHeaders } from '../http/headers.js';
import type { Headers, ResponseHead } from '../http/stream.js';
import { onGivenUp } from './give-up.js';
import { sendHttp1Plain } from './http1-dispatch.js';
import type { ClusterPool } from './pool.js';
import { isTlsLayerError, transportFailureReason } from './tls-origination.js';

export type AttemptFailureKind = 'connect-failure' | 'reset' | 'refused-stream' | 'timeout';

export interface UpstreamResponse {
  head: ResponseHead;
  body: Readable;
  /** Trailers, once the body has ended (HTTP/2 or chunked HTTP/1). */
  trailers(): Headers | undefined;
  /** Gives up on the response (downstream went away, or the route timeout fired). */
  abort(): void;
  /** HTTP/2: the response headers ended the stream (gRPC's trailers-only status). */
  headersOnly?: boolean;
}

export type AttemptResult =
  | { ok: true; response: UpstreamResponse }
  /** `transportFailureReason`: why the upstream TLS handshake failed (%UPSTREAM_TRANSPORT_FAILURE_REASON%). */
  | { ok: false; failure: AttemptFailureKind; message: string; transportFailureReason?: string };

export interface AttemptRequest {
  method: string;
  path: string;
  authority: string;
  scheme: string;
  headers: Headers;
  /** Buffered body (for retries), a live stream, or none. */
  body: Buffer | Readable | undefined;
  /**
   * Aborted when the router gives the request up (route timeout, client gone): a try still
   * waiting is cancelled, and a response already flowing is torn down, so no upstream request
   * outlives its client.
   */
  signal?: AbortSignal;
}

export interface AttemptTarget {
  pool: ClusterPool;
  protocol: 'http1' | 'http2';
  host: string;
  port: number;
  /** 0 = none. */
  perTryTimeoutMs: number;
}

function sendBody(out: NodeJS.WritableStream & { end(chunk?: unknown): unknown }, body: AttemptRequest['body']): void {
  if (body === undefined) out.end();
  else if (Buffer.isBuffer(body)) out.end(body);
  else body.pipe(out);
}

export async function sendAttempt(req: AttemptRequest, target: AttemptTarget): Promise<AttemptResult> {
  const result = await dispatchAttempt(req, target);
  const signal = req.signal;
  if (result.ok && signal) {
    const abort = () => result.response.abort();
    if (signal.aborted) abort();
    else {
      signal.addEventListener('abort', abort, { once: true });
      result.response.body.once('close', () => signal.removeEventListener('abort', abort));
    }
  }
  return result;
}

function dispatchAttempt(req: AttemptRequest, target: AttemptTarget): Promise<AttemptResult> {
  // A TLS cluster whose certificates could not be loaded fails every try; it never falls back to plaintext.
  const tlsFailure = target.pool.tls?.failure;
  if (tlsFailure !== undefined) return Promise.resolve({ ok: false, failure: 'connect-failure', message: tlsFailure, transportFailureReason: tlsFailure });
  if (target.protocol === 'http2') return sendHttp2(req, target);
  if (target.pool.tls !== undefined) return sendHttp1(req, target);
  const { pool } = target;
  return sendHttp1Plain(req, { pool: pool.http1Pool(target.host, target.port), connectTimeoutMs: pool.connectTimeoutMs, perTryTimeoutMs: target.perTryTimeoutMs });
}

/** HTTP/1.1 over TLS, on the cluster's https.Agent (plaintext goes through undici: http1-dispatch.ts). */
function sendHttp1(req: AttemptRequest, target: AttemptTarget): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    let timer: NodeJS.Timeout | undefined;
    let forget = () => {};
    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      forget();
      resolve(result);
    };
    const secure = target.pool.tls !== undefined;
    const outgoing = (secure ? https : http).request({
      agent: target.pool.agent,
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.path,
      headers: { ...req.headers, host: req.authority },
      setHost: false,
    });
    let tcpConnected = false;
    const fail = (failure: AttemptFailureKind, message: string) => {
      settle({ ok: false, failure, message });
      outgoing.destroy();
    };
    outgoing.on('socket', (socket) => {
      if (!socket.connecting) {
        connected = true;
        return;
      }
      const connectTimer = setTimeout(() => fail('connect-failure', `connect timeout after ${target.pool.connectTimeoutMs} ms`), target.pool.connectTimeoutMs);
      // TLS: connected once the handshake and the server's verification are through.
      const tlsSocket = socket instanceof TLSSocket;
      socket.once('connect', () => {
        tcpConnected = true;
        if (tlsSocket) return;
        connected = true;
        clearTimeout(connectTimer);
      });
      if (tlsSocket) {
        socket.once('secureConnect', () => {
          connected = true;
          clearTimeout(connectTimer);
        });
      }
      socket.once('close', () => clearTimeout(connectTimer));
    });
    if (target.perTryTimeoutMs > 0) timer = setTimeout(() => fail('timeout', `per-try timeout ${target.perTryTimeoutMs} ms`), target.perTryTimeoutMs);
    forget = onGivenUp(req.signal, () => fail('reset', 'request given up'));
    outgoing.on('error', (err: NodeJS.ErrnoException) => {
      const refused = err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'EADDRNOTAVAIL';
      // TLS 1.3 lets the client finish its handshake before the server has checked the client
      // certificate, so a refusal (an alert) can arrive after "connected": still a TLS failure.
      const reason = secure && (!connected || isTlsLayerError(err)) ? transportFailureReason(err, tcpConnected) : undefined;
      const failure: AttemptFailureKind = refused || !connected || reason !== undefined ? 'connect-failure' : 'reset';
      settle({ ok: false, failure, message: err.message, ...(reason !== undefined ? { transportFailureReason: reason } : {}) });
    });
    outgoing.on('response', (res) => {
      const response: UpstreamResponse = {
        head: { status: res.statusCode ?? 502, headers: endToEndHeaders(res.headers) },
        body: res,
        trailers: () => (Object.keys(res.trailers).length > 0 ? (res.trailers as Headers) : undefined),
        abort: () => outgoing.destroy(),
      };
      settle({ ok: true, response });
    });
    sendBody(outgoing, req.body);
  });
}

function sendHttp2(req: AttemptRequest, target: AttemptTarget): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let forget = () => {};
    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      forget();
      resolve(result);
    };
    let session: http2.ClientHttp2Session;
    try {
      session = target.pool.session(target.host, target.port);
    } catch (err) {
      settle({ ok: false, failure: 'connect-failure', message: (err as Error).message });
      return;
    }
    const wasConnected = !session.connecting;
    let connectTimer: NodeJS.Timeout | undefined;
    if (!wasConnected) {
      connectTimer = setTimeout(() => {
        settle({ ok: false, failure: 'connect-failure', message: `connect timeout after ${target.pool.connectTimeoutMs} ms` });
        session.destroy();
      }, target.pool.connectTimeoutMs);
      session.once('connect', () => clearTimeout(connectTimer));
      session.once('close', () => clearTimeout(connectTimer));
    }
    const headers: http2.OutgoingHttpHeaders = {
      ...req.headers,
      [http2.constants.HTTP2_HEADER_METHOD]: req.method,
      [http2.constants.HTTP2_HEADER_PATH]: req.path,
      [http2.constants.HTTP2_HEADER_AUTHORITY]: req.authority,
      [http2.constants.HTTP2_HEADER_SCHEME]: req.scheme,
    };
    delete headers.host;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: req.body === undefined });
    } catch (err) {
      settle({ ok: false, failure: 'connect-failure', message: (err as Error).message });
      return;
    }
    if (target.perTryTimeoutMs > 0) {
      timer = setTimeout(() => {
        settle({ ok: false, failure: 'timeout', message: `per-try timeout ${target.perTryTimeoutMs} ms` });
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }, target.perTryTimeoutMs);
    }
    forget = onGivenUp(req.signal, () => {
      settle({ ok: false, failure: 'reset', message: 'request given up' });
      stream.close(http2.constants.NGHTTP2_CANCEL);
    });
    let trailers: Headers | undefined;
    stream.on('trailers', (t) => (trailers = endToEndHeaders(t as Record<string, string>)));
    stream.on('error', (err: NodeJS.ErrnoException) => {
      const code = stream.rstCode;
      const connectError = session.connecting || /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH/.test(err.message) || (!wasConnected && !session.remoteSettings);
      const failure: AttemptFailureKind = code === http2.constants.NGHTTP2_REFUSED_STREAM ? 'refused-stream' : connectError ? 'connect-failure' : 'reset';
      const reason = failure === 'connect-failure' ? target.pool.sessionFailure(session) : undefined;
      settle({ ok: false, failure, message: err.message, ...(reason !== undefined ? { transportFailureReason: reason } : {}) });
    });
    stream.on('close', () => {
      if (!settled) settle({ ok: false, failure: stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM ? 'refused-stream' : 'reset', message: `stream closed with code ${stream.rstCode}` });
    });
    stream.on('response', (h, flags) => {
      const response: UpstreamResponse = {
        head: { status: Number(h[':status'] ?? 502), headers: endToEndHeaders(h as Record<string, string>) },
        body: stream,
        trailers: () => trailers,
        abort: () => stream.close(http2.constants.NGHTTP2_CANCEL),
        headersOnly: (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0,
      };
      settle({ ok: true, response });
    });
    if (req.body !== undefined) sendBody(stream, req.body);
  });
}
