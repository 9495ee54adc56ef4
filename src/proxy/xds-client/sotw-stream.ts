// State-of-the-world ADS (StreamAggregatedResources): every request carries the type's whole
// subscription, the version last accepted and the nonce of the response it answers; a NACK
// repeats the old version with an error_detail. LDS and CDS responses carry every resource.
import type { DiscoveryRequest, DiscoveryResponse } from '../../control/xds/ads-service.js';
import { AdsStreamBase, INVALID_ARGUMENT, type AnyState, type StreamContext } from './ads-stream.js';
import type { TypeState } from './type-state.js';

export class SotwStream extends AdsStreamBase<DiscoveryRequest, DiscoveryResponse> {
  /** The latest nonce of each type on this stream; a request must echo it. */
  private readonly nonces = new Map<string, string>();

  constructor(ctx: StreamContext) {
    super(ctx, 'StreamAggregatedResources');
    // A new stream knows nothing of the old one's nonces; ask again for everything held.
    for (const state of ctx.states) if (state.names === undefined || state.names.length > 0) this.request(state);
  }

  resubscribed(state: AnyState): void {
    this.request(state);
  }

  protected onResponse(response: DiscoveryResponse): void {
    const state = this.stateOf(response.type_url);
    if (!state) return;
    const typed = state as TypeState<unknown>;
    this.nonces.set(state.typeUrl, response.nonce);
    const decoded = typed.decodeAll(response.resources);
    if ('errors' in decoded) {
      const detail = decoded.errors.join('; ');
      this.ctx.hooks.log(`xds-client: rejected ${state.label} version ${response.version_info}: ${detail}`);
      this.request(state, detail);
      return;
    }
    typed.apply(response.version_info, decoded.accepted);
    this.request(state);
    this.ctx.hooks.accepted(state);
  }

  private request(state: AnyState, errorDetail?: string): void {
    this.send({
      version_info: state.version,
      node: null,
      resource_names: state.names ?? [],
      type_url: state.typeUrl,
      response_nonce: this.nonces.get(state.typeUrl) ?? '',
      error_detail: errorDetail === undefined ? null : { code: INVALID_ARGUMENT, message: errorDetail },
    });
  }
}
