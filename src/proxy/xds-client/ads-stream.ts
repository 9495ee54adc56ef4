// What the client's core needs from one ADS stream, whichever protocol variant it speaks (state
// of the world or incremental), and the plumbing both share: opening the bidi call, sending the
// node on the first request only (as Envoy does), and reporting the end of the stream once.
import type * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition, type NodeProto } from '../../control/xds/ads-service.js';
import { structProto } from '../../control/xds/protos.js';
import type { JsonValue } from '../../control/xds/struct.js';
import type { ClusterConfig } from './cluster.js';
import type { EndpointAssignment } from './endpoint.js';
import type { ListenerConfig } from './listener.js';
import type { RouteConfig } from './route.js';
import type { SecretConfig } from './secret.js';
import type { SubscriptionChange, TypeState } from './type-state.js';

/** google.rpc.Code INVALID_ARGUMENT, what Envoy puts in a NACK's error_detail. */
export const INVALID_ARGUMENT = 3;

export interface XdsNode {
  id: string;
  cluster?: string;
  metadata?: Record<string, JsonValue>;
  locality?: { region?: string; zone?: string; sub_zone?: string };
}

export type AnyState = TypeState<ListenerConfig> | TypeState<RouteConfig> | TypeState<ClusterConfig> | TypeState<EndpointAssignment> | TypeState<SecretConfig>;

/** How a stream reports to the client's core. */
export interface StreamHooks {
  /** A response arrived, so the stream works (the core resets its backoff). */
  responded(): void;
  /** A response of this type was accepted and applied to its state. */
  accepted(state: AnyState): void;
  /** The stream ended or failed; nothing more comes from it. */
  failed(reason: string): void;
  log(line: string): void;
}

export interface StreamContext {
  client: grpc.Client;
  node: XdsNode;
  /** Every type, in the order Envoy asks for them: clusters, endpoints, listeners, routes. */
  states: readonly AnyState[];
  hooks: StreamHooks;
}

export interface AdsStream {
  /** The core changed a named type's subscription (already in its state); tell the server. */
  resubscribed(state: AnyState, change: SubscriptionChange): void;
  /** Ends the stream; no hook is called after. */
  cancel(): void;
}

function nodeProto(node: XdsNode): NodeProto {
  const { metadata, ...rest } = node;
  return { user_agent_name: 'isthmus-proxy', ...rest, metadata: structProto(metadata ?? {}) };
}

export abstract class AdsStreamBase<Req extends { node: NodeProto | null }, Res> implements AdsStream {
  protected readonly byType: ReadonlyMap<string, AnyState>;
  private readonly call: grpc.ClientDuplexStream<Req, Res>;
  private done = false;
  private nodeSent = false;

  constructor(
    protected readonly ctx: StreamContext,
    method: 'StreamAggregatedResources' | 'DeltaAggregatedResources',
  ) {
    this.byType = new Map(ctx.states.map((s) => [s.typeUrl, s]));
    const def = adsServiceDefinition()[method] as grpc.MethodDefinition<Req, Res>;
    const call = ctx.client.makeBidiStreamRequest(def.path, def.requestSerialize, def.responseDeserialize);
    this.call = call;
    call.on('data', (response: Res) => {
      if (this.done) return;
      ctx.hooks.responded();
      this.onResponse(response);
    });
    call.on('error', (err: grpc.ServiceError) => this.fail(err.details || err.message));
    call.on('end', () => this.fail('closed by the server'));
  }

  abstract resubscribed(state: AnyState, change: SubscriptionChange): void;

  protected abstract onResponse(response: Res): void;

  /** The state a response's type_url names, or undefined (logged) for a type never asked for. */
  protected stateOf(typeUrl: string): AnyState | undefined {
    const state = this.byType.get(typeUrl);
    if (!state) this.ctx.hooks.log(`xds-client: ignoring a response of unrequested type ${typeUrl}`);
    return state;
  }

  protected send(request: Req): void {
    if (this.done) return;
    if (!this.nodeSent) {
      request.node = nodeProto(this.ctx.node);
      this.nodeSent = true;
    }
    this.call.write(request);
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.call.cancel();
  }

  private fail(reason: string): void {
    if (this.done) return;
    this.cancel();
    this.ctx.hooks.failed(reason);
  }
}
