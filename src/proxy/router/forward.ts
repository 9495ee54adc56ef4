// Forwards a routed request to its cluster and relays the answer: picks an endpoint, tries it,
// retries as the route's policy allows, enforces the route timeout, and turns each way of
// failing into Envoy's local reply and response flag.
import type { ActiveStream } from '../http/active-stream.js';
import type { LocalReply } from '../http/stream.js';
import { sendAttempt, type AttemptFailureKind, type AttemptRequest, type AttemptResult } from '../upstream/attempt.js';
import type { UpstreamCluster } from '../upstream/cluster.js';

export interface RetryDecider {
  maxRetries: number;
  perTryTimeoutMs: number;
  shouldRetry(outcome: { kind: 'response'; status: number; grpcStatus?: number } | { kind: AttemptFailureKind }): boolean;
  backoffMs(retry: number): number;
}

export interface ForwardPlan {
  cluster: UpstreamCluster;
  request: AttemptRequest;
  /** 0 = no route timeout. */
  timeoutMs: number;
  retry?: RetryDecider;
}

const FAILURE_REPLY: Record<AttemptFailureKind, LocalReply> = {
  'connect-failure': { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', flag: 'UF', details: 'upstream_reset_before_response_started{connection_failure}' },
  reset: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination', flag: 'UC', details: 'upstream_reset_before_response_started{connection_termination}' },
  'refused-stream': { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset', flag: 'UR', details: 'upstream_reset_before_response_started{remote_refused_stream_reset}' },
  timeout: { status: 504, body: 'upstream request timeout', flag: 'UT', details: 'upstream_per_try_timeout' },
};

export async function forward(stream: ActiveStream, plan: ForwardPlan): Promise<void> {
  const { cluster, request } = plan;
  const started = process.hrtime.bigint();
  let current: AttemptResult | undefined;
  let timedOut = false;
  const timer = plan.timeoutMs > 0 ? setTimeout(() => {
    timedOut = true;
    if (current?.ok) current.response.abort();
    stream.sendLocalReply({ status: 504, body: 'upstream request timeout', flag: 'UT', details: 'upstream_response_timeout' });
  }, plan.timeoutMs) : undefined;
  const maxRetries = plan.retry?.maxRetries ?? 0;
  stream.upstream = { cluster: cluster.name, attempts: 0 };
  try {
    for (let attempt = 0; ; attempt++) {
      if (timedOut || stream.done) return;
      const host = cluster.pick({ authority: request.authority });
      if (!host) {
        stream.sendLocalReply({ status: 503, body: 'no healthy upstream', flag: 'UH', details: 'no_healthy_upstream' });
        return;
      }
      stream.upstream.attempts = attempt + 1;
      stream.upstream.host = host.key;
      const protocol = cluster.protocol === 'downstream' ? (stream.request.protocol === 'HTTP/2' ? 'http2' : 'http1') : cluster.protocol;
      const result = await sendAttempt(request, { pool: cluster.pool, protocol, host: host.host, port: host.port, perTryTimeoutMs: plan.retry?.perTryTimeoutMs ?? 0 });
      current = result;
      if (timedOut || stream.done) {
        if (result.ok) result.response.abort();
        return;
      }
      const canRetry = attempt < maxRetries && plan.retry !== undefined;
      if (result.ok) {
        const { head } = result.response;
        const grpc = head.headers['grpc-status'];
        const outcome = { kind: 'response' as const, status: head.status, ...(grpc !== undefined ? { grpcStatus: Number(grpc) } : {}) };
        if (canRetry && plan.retry!.shouldRetry(outcome)) {
          result.response.abort();
          await delay(plan.retry!.backoffMs(attempt + 1));
          continue;
        }
        if (timer) clearTimeout(timer);
        head.headers['x-envoy-upstream-service-time'] = String(Math.round(Number(process.hrtime.bigint() - started) / 1e6));
        const { response } = result;
        await stream.respond(head, { body: response.body, trailers: response.trailers, abort: response.abort });
        return;
      }
      if (canRetry && plan.retry!.shouldRetry({ kind: result.failure })) {
        await delay(plan.retry!.backoffMs(attempt + 1));
        continue;
      }
      if (attempt > 0) stream.responseFlags.add('URX');
      stream.sendLocalReply(FAILURE_REPLY[result.failure]);
      return;
    }
  } finally {
    if (timer && !timedOut) clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
