// Mixer's gRPC service definition, loaded at run time from proto/isthmus/mixer/v1/mixer.proto
// (shipped beside src/ and dist/), shared by the server, the client library and tests.
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository/package root: this file runs from src/mixer/api/ or dist/src/mixer/api/. */
function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../../../..') : path.resolve(here, '../../..');
}

export const MIXER_PROTO = path.join(packageRoot(), 'proto', 'isthmus', 'mixer', 'v1', 'mixer.proto');
export const MIXER_SERVICE = 'isthmus.mixer.v1.Mixer';

let loaded: ServiceClientConstructor | undefined;

/** The generated client constructor (`new (mixerServiceClient())(addr, creds)`); `.service` is the server definition. */
export function mixerServiceClient(): ServiceClientConstructor {
  if (loaded) return loaded;
  // longs as Number: int64 attributes beyond 2^53 lose precision, which no Mixer attribute reaches.
  const definition = loadSync(MIXER_PROTO, { keepCase: false, longs: Number, defaults: false, oneofs: true, includeDirs: [] });
  const pkg = loadPackageDefinition(definition) as GrpcObject;
  const v1 = ((pkg.isthmus as GrpcObject).mixer as GrpcObject).v1 as GrpcObject;
  loaded = v1.Mixer as ServiceClientConstructor;
  return loaded;
}

export function mixerServiceDefinition(): ServiceDefinition {
  return mixerServiceClient().service;
}
