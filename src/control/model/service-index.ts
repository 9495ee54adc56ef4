// Services and endpoints of one registry snapshot, indexed by host and by (host, port).
import { serviceKey, type Endpoint, type RegistrySnapshot, type Service } from '../../registry/types.js';

export interface ServiceIndex {
  readonly all: readonly Service[];
  readonly byHost: ReadonlyMap<string, readonly Service[]>;
  /** Endpoints by `namespace/host|port`. */
  readonly endpointsByPort: ReadonlyMap<string, readonly Endpoint[]>;
}

export function endpointKey(s: Service, port: number): string {
  return `${serviceKey(s)}|${port}`;
}

export function buildServiceIndex(registry: RegistrySnapshot): ServiceIndex {
  const byHost = new Map<string, Service[]>();
  const endpointsByPort = new Map<string, Endpoint[]>();
  for (const s of registry.services) {
    byHost.set(s.hostname, [...(byHost.get(s.hostname) ?? []), s]);
    for (const p of s.ports) endpointsByPort.set(endpointKey(s, p.port), []);
    for (const e of registry.endpoints.get(serviceKey(s)) ?? []) {
      endpointsByPort.get(endpointKey(s, e.servicePort))?.push(e);
    }
  }
  return { all: registry.services, byHost, endpointsByPort };
}
