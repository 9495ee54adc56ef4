// Incremental ADS (DeltaAggregatedResources), as Envoy speaks it: the first request of each type
// subscribes (LDS and CDS with the wildcard "*", EDS and RDS by name) and lists in
// initial_resource_versions what the client still holds from an earlier stream, so the server
// sends only what changed while it was away and removes what is gone. Later requests carry
// only subscription changes; ACKs and NACKs echo the response's nonce, a NACK with an
// error_detail. Each resource has its own version.
//
// Rejecting a response whole (as the state-of-the-world path does) leaves the server counting
// its resources as delivered, so it would not send the good ones among them again. The stream
// remembers them, and once the type's next response is accepted asks again for those still
// missing and drops those the rejected response removed.
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '../../control/xds/ads-service.js';
import { AdsStreamBase, INVALID_ARGUMENT, type AnyState, type StreamContext } from './ads-stream.js';
import type { DeltaUpdate, SubscriptionChange, TypeState } from './type-state.js';

/** What a rejected response told the server the client now holds, and it does not. */
interface Undelivered {
  /** name → the version the rejected response carried. */
  updated: Map<string, string>;
  removed: Set<string>;
}

const WILDCARD = '*';

export class DeltaStream extends AdsStreamBase<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  /** Types whose first request this stream has sent. */
  private readonly requested = new Set<string>();
  private readonly undelivered = new Map<string, Undelivered>();
  /** Names asked for explicitly on top of a wildcard (to recover them); dropped once they come. */
  private readonly extras = new Map<string, Set<string>>();

  constructor(ctx: StreamContext) {
    super(ctx, 'DeltaAggregatedResources');
    for (const state of ctx.states) if (state.names === undefined || state.names.length > 0) this.firstRequest(state);
  }

  resubscribed(state: AnyState, change: SubscriptionChange): void {
    if (!this.requested.has(state.typeUrl)) {
      this.firstRequest(state);
      return;
    }
    this.request(state.typeUrl, { subscribe: change.added, unsubscribe: change.removed });
  }

  protected onResponse(response: DeltaDiscoveryResponse): void {
    const found = this.stateOf(response.type_url);
    if (!found) return;
    const state = found as TypeState<unknown>;
    const entries = response.resources.map((r) => ({ name: r.name, version: r.version, resource: r.resource ?? null }));
    const decoded = state.decodeDelta(entries, response.removed_resources);
    if ('errors' in decoded) {
      const detail = decoded.errors.join('; ');
      this.ctx.hooks.log(`xds-client: rejected ${state.label} version ${response.system_version_info}: ${detail}`);
      this.remember(state, response);
      this.request(state.typeUrl, { nonce: response.nonce, error: detail });
      return;
    }
    state.applyDelta(response.system_version_info, decoded.accepted);
    const { again, arrived } = this.recover(state, decoded.accepted, response.removed_resources);
    this.request(state.typeUrl, { nonce: response.nonce, subscribe: again, unsubscribe: arrived });
    this.ctx.hooks.accepted(found);
  }

  private firstRequest(state: AnyState): void {
    this.requested.add(state.typeUrl);
    this.request(state.typeUrl, {
      subscribe: state.names ?? [WILDCARD],
      initialVersions: Object.fromEntries(state.resourceVersions),
    });
  }

  private request(
    typeUrl: string,
    parts: { subscribe?: string[]; unsubscribe?: string[]; initialVersions?: Record<string, string>; nonce?: string; error?: string },
  ): void {
    this.send({
      node: null,
      type_url: typeUrl,
      resource_names_subscribe: parts.subscribe ?? [],
      resource_names_unsubscribe: parts.unsubscribe ?? [],
      initial_resource_versions: parts.initialVersions ?? {},
      // Only an ACK or NACK carries a nonce in the incremental variant.
      response_nonce: parts.nonce ?? '',
      error_detail: parts.error === undefined ? null : { code: INVALID_ARGUMENT, message: parts.error },
    });
  }

  /** Notes what a rejected response carried that the client does not hold as the server thinks. */
  private remember(state: TypeState<unknown>, response: DeltaDiscoveryResponse): void {
    let u = this.undelivered.get(state.typeUrl);
    if (!u) this.undelivered.set(state.typeUrl, (u = { updated: new Map(), removed: new Set() }));
    for (const r of response.resources) {
      if (r.name === '' || !state.wants(r.name)) continue;
      u.removed.delete(r.name);
      u.updated.set(r.name, r.version);
    }
    for (const name of response.removed_resources) {
      u.updated.delete(name);
      if (state.resources.has(name)) u.removed.add(name);
    }
  }

  /**
   * After an accepted response: settles what earlier rejected ones left undelivered, and returns
   * the names to ask for again and the extra names (over a wildcard) that have now arrived.
   */
  private recover(state: TypeState<unknown>, accepted: DeltaUpdate<unknown>, removed: readonly string[]): { again: string[]; arrived: string[] } {
    // This response brought each of these up to date, whatever was rejected before.
    const settled = new Set([...accepted.updated.keys(), ...removed]);
    const extras = this.extras.get(state.typeUrl);
    const arrived = extras ? [...extras].filter((name) => settled.has(name)) : [];
    for (const name of arrived) extras?.delete(name);

    const u = this.undelivered.get(state.typeUrl);
    if (!u) return { again: [], arrived };
    this.undelivered.delete(state.typeUrl);
    // The server no longer counts these among the client's resources; neither does the client.
    const gone = [...u.removed].filter((name) => !settled.has(name));
    if (gone.length > 0) state.drop(gone);
    const again = [...u.updated]
      .filter(([name, version]) => !settled.has(name) && state.wants(name) && state.resourceVersions.get(name) !== version)
      .map(([name]) => name);
    if (again.length > 0) {
      this.ctx.hooks.log(`xds-client: asking again for ${again.length} ${state.label} resource(s) of a rejected response`);
      if (state.wildcard) {
        const set = extras ?? new Set<string>();
        for (const name of again) set.add(name);
        this.extras.set(state.typeUrl, set);
      }
    }
    return { again, arrived };
  }
}
