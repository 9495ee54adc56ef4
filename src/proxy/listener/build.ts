// A decoded Listener built into its runnable filter chains — done once per listener version,
// inside the xDS client's validation, so a chain the proxy cannot run is NACKed rather than
// accepted and then failing. The built form is cached against the decoded object.
import type { ConnectionManagerDeps } from '../http/connection-manager.js';
import type { HttpFilterFactory } from '../http/filter.js';
import { asFields, list } from '../xds-client/fields.js';
import type { ListenerConfig } from '../xds-client/index.js';
import { needsSniffing } from './filter-chain-match.js';
import { readNetworkChain, type NetworkChain } from './network-chain.js';

export interface BuiltListener {
  chains: NetworkChain[];
  defaultChain?: NetworkChain;
  /** Whether connections must be sniffed (TLS ClientHello) before a chain is chosen. */
  sniff: boolean;
  direction: 'inbound' | 'outbound' | 'gateway';
  /** Whether the proxy binds it (bind_to_port false describes captured traffic only). */
  bind: boolean;
  /** Clusters a TCP proxy chain names directly. */
  tcpClusters: string[];
}

export class ListenerBuilder {
  private readonly built = new WeakMap<ListenerConfig, BuiltListener>();

  constructor(
    private readonly factories: ReadonlyMap<string, HttpFilterFactory>,
    private readonly deps: ConnectionManagerDeps,
    private readonly gateway: boolean,
  ) {}

  /** Builds (or returns the cached build of) a listener; throws ResourceRejected when it cannot run. */
  build(config: ListenerConfig): BuiltListener {
    const cached = this.built.get(config);
    if (cached) return cached;
    const raw = config.raw;
    const direction = this.gateway ? 'gateway' : raw.traffic_direction === 'INBOUND' ? 'inbound' : 'outbound';
    const chains = list(raw.filter_chains).map((c, i) => readNetworkChain(c, `filter_chains[${i}]`, this.factories, this.deps, direction));
    const fallback = asFields(raw.default_filter_chain);
    const defaultChain = fallback ? readNetworkChain(fallback, 'default_filter_chain', this.factories, this.deps, direction) : undefined;
    const bindFlag = asFields(raw.bind_to_port)?.value;
    const all = defaultChain ? [...chains, defaultChain] : chains;
    const out: BuiltListener = {
      chains,
      ...(defaultChain ? { defaultChain } : {}),
      sniff: needsSniffing(chains.map((c) => c.match)),
      direction,
      bind: !config.apiListener && bindFlag !== false,
      tcpClusters: all.flatMap((c) => (c.terminal.kind === 'tcp' ? c.terminal.tcp.clusters.map((x) => x.name) : [])),
    };
    this.built.set(config, out);
    return out;
  }
}
