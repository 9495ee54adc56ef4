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

/**
 * A service's endpoints split by service port, kept with the registry's endpoint array: a
 * service whose endpoints did not change keeps the same per-port arrays from one snapshot to
 * the next, and what is built from them (load assignments) can be reused by identity.
 */
const splits = new WeakMap<readonly Endpoint[], Map<number, readonly Endpoint[]>>();

function byPort(eps: readonly Endpoint[]): Map<number, readonly Endpoint[]> {
  let split = splits.get(eps);
  if (!split) {
    const m = new Map<number, Endpoint[]>();
    for (const e of eps) m.set(e.servicePort, [...(m.get(e.servicePort) ?? []), e]);
    split = new Map([...m].map(([port, list]) => [port, Object.freeze(list)] as const));
    splits.set(eps, split);
  }
  return split;
}

const NONE: readonly Endpoint[] = Object.freeze([]);

export function buildServiceIndex(registry: RegistrySnapshot): ServiceIndex {
  const byHost = new Map<string, Service[]>();
  const endpointsByPort = new Map<string, readonly Endpoint[]>();
  for (const s of registry.services) {
    byHost.set(s.hostname, [...(byHost.get(s.hostname) ?? []), s]);
    const split = byPort(registry.endpoints.get(serviceKey(s)) ?? NONE);
    for (const p of s.ports) endpointsByPort.set(endpointKey(s, p.port), split.get(p.port) ?? NONE);
  }
  return { all: registry.services, byHost, endpointsByPort };
}
