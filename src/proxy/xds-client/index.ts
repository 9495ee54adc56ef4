// The proxy's xDS client and the validated config it hands the rest of the proxy.
export { InvalidXdsModeError, XDS_MODES, XdsClient, type XdsClientOptions, type XdsMode, type XdsNode, type XdsSnapshot } from './client.js';
export { Backoff, DEFAULT_BACKOFF, InvalidBackoffError, type BackoffOptions, type Timers } from './backoff.js';
export { decodeListener, HCM_TYPE_URL, type ListenerConfig } from './listener.js';
export { decodeRoute, type RouteConfig } from './route.js';
export { decodeCluster, type ClusterConfig, type Discovery, type LbPolicy } from './cluster.js';
export { decodeEndpoints, type Endpoint, type EndpointAssignment, type HealthStatus } from './endpoint.js';
export type { AnyResource, Decoded } from './fields.js';
export { decodeSecret, type SecretConfig } from './secret.js';
export { CREDENTIAL_PREFIX, clusterCredentialNames, isCredentialName, listenerCredentialNames } from './secret-refs.js';
