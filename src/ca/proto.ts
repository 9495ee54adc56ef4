// The CA's gRPC service definition, loaded from proto/istio/v1/auth/ca.proto, shared by the CA
// server and the proxy's CA client.
import type { ServiceClientConstructor, ServiceDefinition } from '@grpc/grpc-js';
import { loadOwnService, ownProtoPath } from '../common/own-protos.js';

export const CA_PROTO = ownProtoPath('istio/v1/auth/ca.proto');
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
  loaded ??= loadOwnService(CA_PROTO, CA_SERVICE, { keepCase: true, longs: String, defaults: true, oneofs: true });
  return loaded;
}

export function caServiceDefinition(): ServiceDefinition {
  return caServiceClient().service;
}
