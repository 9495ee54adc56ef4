// The Mixer TCP filter (Istio's `mixer` network filter before 1.5), ahead of tcp_proxy: one Check
// when a connection opens — a denial (or an unreachable Mixer failing closed) closes it before a
// byte goes upstream — then Reports over its life: `open` once admitted, `continue` every
// report_interval while it lives, and `close` when it ends (a refused connection reports its
// close too, with check.error_code and check.error_message). It calls the Mixer client the HTTP
// filter uses (mixerclient/shared.ts): the same Mixer setup shares one client per process.
//
// Istio checked on the first byte from the client so that its TLS facts were known; here TLS is
// already terminated when the filter runs, so it checks at once — which also lets server-first
// protocols (the server speaks first: MySQL, SMTP) work through it.
import { CODE } from '../../mixer/adapters/status.js';
import { sharedMixerClient, type MixerClient, type QuotaRequirement } from '../../mixerclient/index.js';
import type { DownstreamConnection, NetworkFilter, NetworkFilterContext, NetworkFilterFactory, NetworkFilterStatus } from './filter.js';
import { ConnectionAttributes } from './mixer-tcp-attributes.js';
import { mixerClientOptions } from '../http/filters/mixer-config.js';
import { MIXER_TCP_FILTER_TYPE, readMixerTcpConfig, type MixerTcpConfig } from './mixer-tcp-config.js';

export { MIXER_TCP_FILTER_TYPE } from './mixer-tcp-config.js';

class MixerTcpFilter implements NetworkFilter {
  private readonly checks: boolean;
  private readonly reports: boolean;

  constructor(private readonly config: MixerTcpConfig, private readonly client: MixerClient) {
    this.checks = !config.disableCheck && config.checkServer !== '';
    this.reports = !config.disableReport && config.reportServer !== '';
  }

  onNewConnection(conn: DownstreamConnection): NetworkFilterStatus | Promise<NetworkFilterStatus> {
    if (!this.checks && !this.reports) return 'continue';
    const attributes = new ConnectionAttributes(conn, this.config.attributes);
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    // Allocation quota (a quota with no validDuration) the Check granted: held while the
    // connection lives, so `maxAmount: N` bounds the open connections, and given back at close.
    let held: readonly QuotaRequirement[] | undefined;
    const release = (): void => {
      if (held) this.client.release(attributes.check(), held).catch(() => { /* counted and logged by the client */ });
      held = undefined;
    };
    conn.socket.once('close', () => {
      closed = true;
      clearInterval(timer);
      release();
      if (this.reports) this.client.report(attributes.report('close'));
    });
    const open = (): NetworkFilterStatus => {
      if (closed) return 'stop';
      if (this.reports) {
        this.client.report(attributes.report('open'));
        timer = setInterval(() => this.client.report(attributes.report('continue')), this.config.reportIntervalMs);
        // A live connection keeps the proxy's event loop busy on its own; its report timer must not.
        timer.unref();
      }
      return 'continue';
    };
    if (!this.checks) return open();
    return this.client.check(attributes.check(), this.config.quotas).then((outcome) => {
      attributes.checkHit = outcome.source === 'cache';
      if (outcome.status.code === CODE.OK) {
        held = outcome.allocations;
        // Closed while the Check was out: nothing will hold the allocation, give it back now.
        if (closed) release();
        return open();
      }
      attributes.checkError = outcome.status;
      return 'stop';
    });
  }
}

export const mixerTcpFilter: NetworkFilterFactory = {
  typeUrl: MIXER_TCP_FILTER_TYPE,
  create(config: Record<string, unknown>, ctx: NetworkFilterContext): NetworkFilter {
    const c = readMixerTcpConfig(config);
    const client = sharedMixerClient(mixerClientOptions(c), ctx.log);
    return new MixerTcpFilter(c, client);
  },
};
