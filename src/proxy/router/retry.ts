// Placeholder until the retry policy module lands: no retries.
import type { RetryDecider } from './forward.js';

type Fields = Record<string, unknown>;

export function retryDecider(route: Fields | undefined, vhost: Fields | undefined): RetryDecider | undefined {
  void route;
  void vhost;
  return undefined;
}
