// One HTTP/1.1 try on a plaintext cluster, through the endpoint's undici pool (pool.ts) with
// undici's low-level dispatch API: it skips Node's http.Agent and ClientRequest machinery, which
// was a third of the proxy's CPU, and parses responses with llhttp in wasm. The result has the
// same shape and failure kinds as the other codecs' tries (attempt.ts): failing before undici
// hands the request to a connected socket is a connect failure, failing after is a reset.
import { PassThrough, Readable } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
import { onGivenUp } from './give-up.js';
import { endToEndHeaders } from '../http/headers.js';
import type { Headers } from '../http/stream.js';
import type { AttemptFailureKind, AttemptRequest, AttemptResult, UpstreamResponse } from './attempt.js';

/** Errors undici raises for a request it will not send at all: thrown, as http.request would. */
const REJECTED = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

/**
 * Headers Node's IncomingMessage keeps only the first of when repeated; the proxy kept Node's
 * merging rules when it used Node's client, and keeps them now.
 */
const FIRST_ONLY = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after',
  'server', 'user-agent',
]);

/** Raw name/value pairs (latin1, as Node's parser decodes them) as a Node-style header object. */
export function headersFromRaw(raw: readonly (Buffer | string)[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const existing = out[name];
    if (existing === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(existing)) existing.push(value);
    else if (!FIRST_ONLY.has(name)) out[name] = `${existing}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out;
}

interface Http1Target {
  pool: Pool;
  connectTimeoutMs: number;
  /** 0 = none. */
  perTryTimeoutMs: number;
}

/**
 * The request's headers as undici takes them. `expect` is dropped: like Envoy (proxy_100_continue
 * off), the downstream side already answered the client's 100-continue, and the body follows the
 * headers upstream without waiting.
 */
function requestHeaders(req: AttemptRequest): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: req.authority };
  if (headers.expect !== undefined) delete headers.expect;
  return headers;
}

/**
 * A live body goes through a pass-through of its own: undici destroys the body it was given when
 * the upstream fails or the try is abandoned, and that must not take the downstream request (and
 * with it the client's connection) down before the local reply is sent.
 */
function requestBody(body: AttemptRequest['body']): Buffer | Readable | undefined {
  if (body === undefined || Buffer.isBuffer(body)) return body;
  const pass = new PassThrough();
  body.pipe(pass);
  return pass;
}

export function sendHttp1Plain(req: AttemptRequest, target: Http1Target): Promise<AttemptResult> {
  return new Promise((resolve, reject) => {
    const exchange = new Http1Exchange(resolve, reject, target);
    exchange.forget = onGivenUp(req.signal, () => exchange.giveUp());
    target.pool.dispatch({ path: req.path, method: req.method as Dispatcher.HttpMethod, headers: requestHeaders(req), body: requestBody(req.body) ?? null }, exchange);
  });
}

/** undici's handler for one request: settles the try, then feeds the response body stream. */
class Http1Exchange implements Dispatcher.DispatchHandlers {
  private settled = false;
  private connected = false;
  private completed = false;
  /** Set once the try is given up; undici's abort comes only when the request reaches a socket. */
  private cancelled: Error | undefined;
  private abortRequest: ((err?: Error) => void) | undefined;
  private resumeParser: (() => void) | undefined;
  private body: Readable | undefined;
  private trailers: Headers | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly resolve: (r: AttemptResult) => void,
    private readonly reject: (err: Error) => void,
    private readonly target: Http1Target,
  ) {
    if (target.perTryTimeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.settle({ ok: false, failure: 'timeout', message: `per-try timeout ${target.perTryTimeoutMs} ms` });
        this.cancel(new Error('per-try timeout'));
      }, target.perTryTimeoutMs);
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    this.connected = true;
    if (this.cancelled) abort(this.cancelled);
    else this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[] | null, resume: () => void): boolean {
    // 1xx informational responses: the final one follows.
    if (statusCode < 200) return true;
    this.resumeParser = resume;
    const body = new Readable({
      read: () => this.resumeParser?.(),
      destroy: (err, callback) => {
        if (!this.completed) this.cancel(err ?? new Error('upstream response abandoned'));
        callback(err);
      },
    });
    this.body = body;
    const response: UpstreamResponse = {
      head: { status: statusCode, headers: endToEndHeaders(headersFromRaw(rawHeaders ?? [])) },
      body,
      trailers: () => this.trailers,
      abort: () => body.destroy(),
    };
    this.settle({ ok: true, response });
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.body!.push(chunk);
  }

  onComplete(trailers: string[] | Buffer[] | null): void {
    this.completed = true;
    if (trailers && trailers.length > 0) this.trailers = headersFromRaw(trailers);
    this.body?.push(null);
  }

  onError(err: Error & { code?: string }): void {
    this.completed = true;
    if (this.body) {
      // Mid-body: the response is cut short, as an upstream reset shows it to the router.
      this.body.destroy(err);
      return;
    }
    if (this.settled) return;
    if (!this.connected && err.code !== undefined && REJECTED.has(err.code)) {
      this.settled = true;
      if (this.timer) clearTimeout(this.timer);
      this.reject(err);
      return;
    }
    const failure: AttemptFailureKind = this.connected ? 'reset' : 'connect-failure';
    const message = err.code === 'UND_ERR_CONNECT_TIMEOUT' ? `connect timeout after ${this.target.connectTimeoutMs} ms` : err.message;
    this.settle({ ok: false, failure, message });
  }

  /** Removes the router's give-up hook once the try has settled. */
  forget: () => void = () => {};

  /** The router gave the request up before the response started. */
  giveUp(): void {
    this.settle({ ok: false, failure: 'reset', message: 'request given up' });
    this.cancel(new Error('request given up'));
  }

  private settle(result: AttemptResult): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.forget();
    this.resolve(result);
  }

  private cancel(err: Error): void {
    if (this.cancelled) return;
    this.cancelled = err;
    this.abortRequest?.(err);
  }
}
