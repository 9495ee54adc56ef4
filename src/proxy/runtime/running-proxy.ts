// What the `proxy` command drives, whether the proxy is one process or a primary with workers:
// start it, wait for ready, show it on the admin port, read its metrics, drain it.
import type { AdminView } from '../admin/views.js';

export interface RunningProxy {
  readonly view: AdminView;
  start(): void;
  ready(): Promise<void>;
  /** Prometheus text of every process's metrics. */
  metrics(): Promise<string>;
  /** Stops accepting new connections; in-flight work finishes. */
  drainListeners(): void;
  /** Drains, waits for in-flight work (at most `timeoutMs`), then closes everything. */
  drain(timeoutMs: number): Promise<void>;
}
