// Forwards a routed request to its cluster and relays the answer: picks an endpoint (by the
// route's hash when the cluster hashes), admits it through the circuit breakers, tries it,
// reports the outcome to outlier detection, retries as the route's policy allows (backoff,
// retry circuit breaker, other hosts first when asked), enforces the route timeout, and turns
// each way of failing into Envoy's local reply and response flag.
import type { ActiveStream } from '../http/active-stream.js';
import type { LocalReply } from '../http/stream.js';
import { sendAttempt, type AttemptFailureKind, type AttemptRequest, type AttemptResult } from '../upstream/attempt.js';
import { OVERLOAD_RESPONSE } from '../upstream/circuit-breaker.js';
import type { UpstreamCluster } from '../upstream/cluster.js';
import type { UpstreamHost } from '../upstream/host.js';
import type { RetryPolicy } from '../upstream/retry-policy.js';

export interface ForwardPlan {
  cluster: UpstreamCluster;
  request: AttemptRequest;
  /** 0 = no route timeout. */
  timeoutMs: number;
  retry?: RetryPolicy;
  hash?: bigint;
  /** Applies the route's response header changes to an upstream response's headers. */
  responseHeaders?: (headers: Record<string, string | string[]>) => void;
}

const FAILURE_REPLY: Record<AttemptFailureKind, LocalReply> = {
  'connect-failure': { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', flag: 'UF', details: 'upstream_reset_before_response_started{connection_failure}' },
  reset: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination', flag: 'UC', details: 'upstream_reset_before_response_started{connection_termination}' },
  'refused-stream': { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset', flag: 'UR', details: 'upstream_reset_before_response_started{remote_refused_stream_reset}' },
  timeout: { status: 504, body: 'upstream request timeout', flag: 'UT', details: 'upstream_per_try_timeout' },
};

const OVERFLOW_REPLY: LocalReply = {
  status: OVERLOAD_RESPONSE.status,
  body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
  headers: { ...OVERLOAD_RESPONSE.headers },
  flag: 'UO',
  details: 'upstream_reset_before_response_started{overflow}',
};

export async function forward(stream: ActiveStream, plan: ForwardPlan): Promise<void> {
  const { cluster, request, retry } = plan;
  const breaker = cluster.breaker;
  // max_requests bounds requests in flight to the cluster; a request that would also need a
  // connection beyond max_connections (HTTP/1: one request per connection) waits as pending,
  // bounded by max_pending_requests.
  if (!breaker.tryAcquire('requests')) {
    stream.sendLocalReply(OVERFLOW_REPLY);
    return;
  }
  const http1 = cluster.protocol !== 'http2';
  const pending = http1 && breaker.count('requests') > breaker.limit('connections');
  if (pending && !breaker.tryAcquire('pending')) {
    breaker.release('requests');
    stream.sendLocalReply(OVERFLOW_REPLY);
    return;
  }
  const started = process.hrtime.bigint();
  // Giving the request up (route timeout, client gone) cancels the try in flight, and a response
  // already flowing, so no upstream request outlives its client.
  const req: AttemptRequest = { ...request, signal: stream.gone };
  let timedOut = false;
  const timer = plan.timeoutMs > 0 ? setTimeout(() => {
    timedOut = true;
    stream.giveUp();
    stream.sendLocalReply({ status: 504, body: 'upstream request timeout', flag: 'UT', details: 'upstream_response_timeout' });
  }, plan.timeoutMs) : undefined;
  // A streamed body (larger than the retry buffer) can be sent once only: no retries, as Envoy.
  const maxRetries = request.body !== undefined && !Buffer.isBuffer(request.body) ? 0 : (retry?.numRetries ?? 0);
  const tried: UpstreamHost[] = [];
  let retrying = false;
  stream.upstream = { cluster: cluster.name, attempts: 0 };
  const endRetry = () => {
    if (retrying) breaker.release('retries');
    retrying = false;
  };
  try {
    for (let attempt = 0; ; attempt++) {
      if (timedOut || stream.done) return;
      const host = pickHost(cluster, stream, plan, attempt, tried);
      if (!host) {
        stream.sendLocalReply({ status: 503, body: 'no healthy upstream', flag: 'UH', details: 'no_healthy_upstream' });
        return;
      }
      tried.push(host);
      stream.upstream.attempts = attempt + 1;
      stream.upstream.host = host.key;
      const protocol = cluster.protocol === 'downstream' ? (stream.request.protocol === 'HTTP/2' ? 'http2' : 'http1') : cluster.protocol;
      const done = host.beginRequest();
      let result: AttemptResult;
      try {
        result = await sendAttempt(req, { pool: cluster.poolFor(host), protocol, host: host.host, port: host.port, perTryTimeoutMs: retry?.perTryTimeoutMs ?? 0 });
      } catch (err) {
        done();
        throw err;
      }
      endRetry();
      if (!result.ok) {
        done();
        if (result.transportFailureReason) stream.upstream.transportFailureReason = result.transportFailureReason;
        cluster.report(host, result.failure === 'refused-stream' ? 'reset' : result.failure);
        if (timedOut || stream.done) return;
        const wanted = retry?.shouldRetry({ kind: result.failure }) ?? false;
        if (attempt < maxRetries && wanted && admitRetry()) {
          await delay(retry!.backoffMs(attempt + 1, Math.random));
          continue;
        }
        // URX: the policy wanted another try but the retries were used up.
        if (wanted && attempt > 0 && attempt >= maxRetries) stream.responseFlags.add('URX');
        stream.sendLocalReply(FAILURE_REPLY[result.failure]);
        return;
      }
      const { response } = result;
      const { head } = response;
      cluster.report(host, head.status);
      response.body.once('close', done);
      if (timedOut || stream.done) {
        response.abort();
        return;
      }
      const grpc = head.headers['grpc-status'];
      const outcome = { kind: 'response' as const, status: head.status, headers: head.headers, ...(grpc !== undefined ? { grpcStatus: Number(grpc) } : {}) };
      const wanted = retry?.shouldRetry(outcome) ?? false;
      if (attempt < maxRetries && wanted && admitRetry()) {
        response.abort();
        await delay(retry!.backoffMs(attempt + 1, Math.random));
        continue;
      }
      if (timer) clearTimeout(timer);
      if (wanted && attempt > 0 && attempt >= maxRetries) stream.responseFlags.add('URX');
      head.headers['x-envoy-upstream-service-time'] = String(Math.round(Number(process.hrtime.bigint() - started) / 1e6));
      plan.responseHeaders?.(head.headers);
      await stream.respond(head, { body: response.body, trailers: response.trailers, abort: response.abort, headersOnly: response.headersOnly === true });
      return;
    }
  } finally {
    if (timer && !timedOut) clearTimeout(timer);
    endRetry();
    breaker.release('requests');
    if (pending) breaker.release('pending');
  }

  /** A retry also needs room under max_retries (or the retry budget); without it, no retry. */
  function admitRetry(): boolean {
    if (!breaker.tryAcquire('retries')) {
      stream.responseFlags.add('UO');
      return false;
    }
    retrying = true;
    return true;
  }
}

/** The next host; with previous_hosts, retries prefer one not tried yet (within max attempts). */
function pickHost(cluster: UpstreamCluster, stream: ActiveStream, plan: ForwardPlan, attempt: number, tried: readonly UpstreamHost[]): UpstreamHost | undefined {
  const ctx = { authority: plan.request.authority, ...(plan.hash !== undefined ? { hash: plan.hash } : {}) };
  let host = cluster.pick({ ...ctx, attempt: 0 });
  if (attempt === 0 || !plan.retry?.previousHosts) return host;
  for (let i = 1; host && tried.includes(host) && i < plan.retry.hostSelectionMaxAttempts; i++) host = cluster.pick({ ...ctx, attempt: i });
  void stream;
  return host;
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
