// Mixer's gRPC service definition, loaded at run time from proto/isthmus/mixer/v1/mixer.proto
// (shipped beside src/ and dist/), shared by the server, the client library and tests.
import type { ServiceClientConstructor, ServiceDefinition } from '@grpc/grpc-js';
import { loadOwnService, ownProtoPath } from '../../common/own-protos.js';

export const MIXER_PROTO = ownProtoPath('isthmus/mixer/v1/mixer.proto');
export const MIXER_SERVICE = 'isthmus.mixer.v1.Mixer';

let loaded: ServiceClientConstructor | undefined;

/** The generated client constructor (`new (mixerServiceClient())(addr, creds)`); `.service` is the server definition. */
export function mixerServiceClient(): ServiceClientConstructor {
  // longs as Number: int64 attributes beyond 2^53 lose precision, which no Mixer attribute reaches.
  loaded ??= loadOwnService(MIXER_PROTO, MIXER_SERVICE, { keepCase: false, longs: Number, defaults: false, oneofs: true, includeDirs: [] });
  return loaded;
}

export function mixerServiceDefinition(): ServiceDefinition {
  return mixerServiceClient().service;
}
