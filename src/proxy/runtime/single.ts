// The one-process proxy (`--concurrency 1`, the default): xDS stream and traffic together.
import { proxyAdminView } from '../admin/views.js';
import { Proxy, type ProxyOptions } from './proxy.js';
import type { RunningProxy } from './running-proxy.js';

export function singleProxy(opts: ProxyOptions & { xds: string }, metrics: () => Promise<string>): RunningProxy {
  const proxy = new Proxy(opts);
  return {
    view: proxyAdminView(proxy),
    start: () => proxy.start(),
    ready: () => proxy.ready(),
    metrics,
    drainListeners: () => void proxy.listeners.drain(),
    drain: (ms) => proxy.drain(ms),
  };
}
