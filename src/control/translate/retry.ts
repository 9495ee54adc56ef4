// HTTPRetry → RetryPolicy. Without a `retries` block Istio still retries connection failures
// twice on sidecars and gateways; proxyless clients get a policy only when one is written.
import type { HTTPRetry } from '../../api/networking/virtual-service.js';
import { any, duration, u32 } from './proto.js';
import { EXT } from './type-urls.js';
import type { ClientKind } from './context.js';

const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

function previousHosts(): Record<string, unknown>[] {
  // Try a different endpoint on each retry, as Istio configures.
  return [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: any(EXT.PREVIOUS_HOSTS) }];
}

export function retryPolicy(retries: HTTPRetry | undefined, kind: ClientKind): Record<string, unknown> | undefined {
  if (retries === undefined) {
    if (kind === 'proxyless') return undefined;
    return {
      retry_on: DEFAULT_RETRY_ON,
      num_retries: u32(2),
      retriable_status_codes: [503],
      retry_host_predicate: previousHosts(),
      host_selection_retry_max_attempts: 5,
    };
  }
  if (!retries.attempts) return undefined;
  const policies = (retries.retryOn ?? DEFAULT_RETRY_ON).split(',').filter(Boolean);
  // Bare status codes are Istio shorthand for Envoy's retriable-status-codes.
  const codes = policies.filter((p) => /^\d+$/.test(p)).map(Number);
  const named = policies.filter((p) => !/^\d+$/.test(p));
  if (codes.length && !named.includes('retriable-status-codes')) named.push('retriable-status-codes');
  if (!codes.length && retries.retryOn === undefined) codes.push(503);
  const out: Record<string, unknown> = {
    retry_on: named.join(','),
    num_retries: u32(retries.attempts),
  };
  if (codes.length) out.retriable_status_codes = codes;
  const perTry = duration(retries.perTryTimeout);
  if (perTry) out.per_try_timeout = perTry;
  const backoff = duration(retries.backoff);
  if (backoff) out.retry_back_off = { base_interval: backoff };
  if (kind !== 'proxyless') {
    out.retry_host_predicate = previousHosts();
    out.host_selection_retry_max_attempts = 5;
  }
  return out;
}
