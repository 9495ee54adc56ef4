// The baseline row: the load goes straight to the upstream, so there is no proxy process to
// measure; its latency is what every proxy's "p99 added" is taken against.
import type { Target } from './target.js';

export const directTarget: Target = {
  name: 'direct',
  setup: 'no proxy: the load goes straight to the upstream (its HTTP/1.1 port, and its `listen … http2` port for h2load)',
  start(upstream) {
    return Promise.resolve({ port: upstream.port, h2Port: upstream.h2Port, stop: () => Promise.resolve() });
  },
};
