// The gRPC service definition of envoy.service.discovery.v3.AggregatedDiscoveryService, built
// from our own protobufjs Root (not a second proto-loader parse of the same files). Responses
// are encoded straight from plain objects whose resources are already-encoded Anys, so a push
// costs one copy of bytes that were serialized once.

import type { ServiceDefinition } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import type { AnyProto } from './protos.js';
import { messageType } from './protos.js';
import { sharedNames, splitResourceNames } from './request-names.js';
import { splicingSerializer } from './response-codec.js';

const SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** DiscoveryRequest / DeltaDiscoveryRequest fields as decoded (snake_case, defaults filled). */
export interface NodeProto {
  id?: string;
  cluster?: string;
  metadata?: unknown;
  locality?: { region?: string; zone?: string; sub_zone?: string } | null;
  user_agent_name?: string;
}

export interface StatusProto {
  code?: number;
  message?: string;
}

export interface DiscoveryRequest {
  version_info: string;
  node: NodeProto | null;
  /** Frozen, and the same array for every request with the same list (request-names.ts). */
  resource_names: readonly string[];
  type_url: string;
  response_nonce: string;
  error_detail: StatusProto | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: AnyProto[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

export interface DeltaDiscoveryRequest {
  node: NodeProto | null;
  type_url: string;
  resource_names_subscribe: string[];
  resource_names_unsubscribe: string[];
  initial_resource_versions: Record<string, string>;
  response_nonce: string;
  error_detail: StatusProto | null;
}

export interface DeltaResource {
  name: string;
  version: string;
  resource: AnyProto;
}

export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
  control_plane?: { identifier: string };
}

const DECODE_OPTIONS: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, arrays: true, objects: true };

function codec<Req, Res extends Record<string, unknown>>(requestName: string, responseName: string, resourceKey: (item: Record<string, unknown>) => object) {
  const request = messageType(`envoy.service.discovery.v3.${requestName}`);
  const response = messageType(`envoy.service.discovery.v3.${responseName}`);
  const decode = (bytes: Uint8Array): Record<string, unknown> => request.toObject(request.decode(bytes), DECODE_OPTIONS);
  // SotW requests repeat their subscription in every ACK: equal name lists decode once, shared.
  const sotw = requestName === 'DiscoveryRequest';
  return {
    requestSerialize: (value: Req): Buffer => Buffer.from(request.encode(request.fromObject(value as object)).finish()),
    requestDeserialize: (bytes: Buffer): Req => {
      const split = sotw ? splitResourceNames(bytes) : undefined;
      if (!split) return decode(bytes) as Req;
      const out = decode(split.rest);
      out.resource_names = sharedNames(split.names, (block) => decode(block).resource_names as string[]);
      return out as Req;
    },
    // The response is already in wire shape (Anys hold bytes); each resource's field bytes are
    // encoded once and shared by every stream that sends it.
    responseSerialize: splicingSerializer<Res>(response, 'resources', resourceKey),
    responseDeserialize: (bytes: Buffer): Res => response.toObject(response.decode(bytes), DECODE_OPTIONS) as Res,
  };
}

/** The ADS service definition, for `Server.addService`. */
export function adsServiceDefinition(): ServiceDefinition {
  return {
    StreamAggregatedResources: {
      path: `/${SERVICE}/StreamAggregatedResources`,
      requestStream: true,
      responseStream: true,
      originalName: 'streamAggregatedResources',
      // The Any object is cached per encoded resource, so it identifies the bytes.
      ...codec<DiscoveryRequest, DiscoveryResponse & Record<string, unknown>>('DiscoveryRequest', 'DiscoveryResponse', (any) => any),
    },
    DeltaAggregatedResources: {
      path: `/${SERVICE}/DeltaAggregatedResources`,
      requestStream: true,
      responseStream: true,
      originalName: 'deltaAggregatedResources',
      // A delta entry's name and version are both derived from its encoded resource.
      ...codec<DeltaDiscoveryRequest, DeltaDiscoveryResponse & Record<string, unknown>>('DeltaDiscoveryRequest', 'DeltaDiscoveryResponse', (entry) => entry.resource as object),
    },
  } as ServiceDefinition;
}
