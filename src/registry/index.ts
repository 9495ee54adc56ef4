// The service registry's public face.
export { ServiceRegistry, RegistryError, type ServiceRegistryOptions, type RegistryTimers, type RegistryListener } from './registry.js';
export { buildRegistrySnapshot, changedHosts, type RegistryInputs } from './snapshot.js';
export { protocolFromPortName, parseProtocolName, isHttpLike } from './protocol.js';
export { labelsMatch, workloadFromEntry, workloadFromProxy } from './workloads.js';
export { normaliseExportTo } from './service-entry.js';
export { resolveHost } from '../api/hosts.js';
export {
  serviceKey,
  type Endpoint, type EndpointHealth, type Location, type PortProtocol, type RegistrySnapshot, type Resolution,
  type Service, type ServiceOrigin, type ServicePort, type WorkloadInstance,
} from './types.js';
