// The CA's gRPC service definition, loaded from proto/istio/v1/auth/ca.proto (shipped with the
// package, beside src/ and dist/), shared by the CA server and the proxy's CA client.
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository/package root: this file runs from src/ca/ (tsx) or dist/src/ca/ (compiled). */
function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../../..') : path.resolve(here, '../..');
}

export const CA_PROTO = path.join(packageRoot(), 'proto', 'istio', 'v1', 'auth', 'ca.proto');
export const CA_SERVICE = 'istio.v1.auth.IstioCertificateService';

export interface IstioCertificateRequest {
  csr: string;
  /** Seconds; proto-loader hands int64 over as a string. */
  validity_duration: string | number;
  metadata?: unknown;
}

export interface IstioCertificateResponse {
  cert_chain: string[];
}

let loaded: ServiceClientConstructor | undefined;

/** The generated client constructor; its `.service` is the server-side definition. */
export function caServiceClient(): ServiceClientConstructor {
  if (loaded) return loaded;
  const definition = loadSync(CA_PROTO, { keepCase: true, longs: String, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(definition) as GrpcObject;
  const auth = ((pkg.istio as GrpcObject).v1 as GrpcObject).auth as GrpcObject;
  loaded = auth.IstioCertificateService as ServiceClientConstructor;
  return loaded;
}

export function caServiceDefinition(): ServiceDefinition {
  return caServiceClient().service;
}
