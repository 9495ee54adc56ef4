// The ADS server's Prometheus metrics, named after Istio's pilot_xds_* family.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TYPE_URL } from './resource.js';

const SHORT_NAMES: Record<string, string> = {
  [TYPE_URL.LISTENER]: 'lds',
  [TYPE_URL.ROUTE]: 'rds',
  [TYPE_URL.CLUSTER]: 'cds',
  [TYPE_URL.ENDPOINT]: 'eds',
  [TYPE_URL.SECRET]: 'sds',
};

/** `lds`, `cds`, … as Istio labels its xDS metrics; other types by their message name. */
export function shortTypeName(typeUrl: string): string {
  return SHORT_NAMES[typeUrl] ?? typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}

export class AdsMetrics {
  readonly connected: Gauge;
  readonly pushes: Counter<'type'>;
  readonly pushTime: Histogram;
  readonly nacks: Counter<'type'>;

  /** Without a registry the metrics live in a private one (tests, embedding). */
  constructor(registry: Registry = new Registry()) {
    const registers = [registry];
    this.connected = new Gauge({ name: 'isthmus_xds_connected_proxies', help: 'xDS streams currently connected', registers });
    this.pushes = new Counter({ name: 'isthmus_xds_pushes_total', help: 'xDS responses sent, by type', labelNames: ['type'], registers });
    this.pushTime = new Histogram({
      name: 'isthmus_xds_push_time_seconds',
      help: 'Time from a config snapshot being set to the response carrying it being written',
      buckets: [0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.nacks = new Counter({ name: 'isthmus_xds_nacks_total', help: 'xDS responses rejected by clients, by type', labelNames: ['type'], registers });
  }
}
