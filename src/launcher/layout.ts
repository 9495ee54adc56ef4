// Where every process of `isthmus up` listens: a fixed layout from one base port, so URLs stay
// the same from run to run and one flag moves them all. With the default base 15010 the manager
// gets Istio's 15010 (xDS), 15012 (the CA's certificate service) and 15014 (monitoring), and the
// rest start at 15100, clear of the proxy's own defaults (15000–15090).
import type { PortClaim } from './ports.js';
import { workloadName, type WorkloadSpec } from './workload.js';

export const DEFAULT_BASE_PORT = 15010;
export const DEFAULT_GATEWAY_PORT = 8080;
const MANAGER_CA_OFFSET = 2;
const MANAGER_MONITORING_OFFSET = 4;
const FIRST_SLOT_OFFSET = 90;
/** Ports per process slot; a slot uses the first six (app, inbound, outbound, admin, readiness, stats). */
const SLOT_SIZE = 10;

export interface ProxyPorts {
  admin: number;
  readiness: number;
  stats: number;
}

export interface SidecarPorts extends ProxyPorts {
  /** Where the application listens (loopback). */
  app: number;
  /** The port peers reach the workload on: the sidecar's inbound listener. */
  inbound: number;
  /** The HTTP-proxy listener the app's HTTP_PROXY points at. */
  outbound: number;
}

export interface UpLayout {
  base: number;
  xds: number;
  /** The mesh CA's gRPC (TLS) port, served by the manager as istiod serves 15012. */
  ca: number;
  monitoring: number;
  gateway: ProxyPorts & { listener: number };
  workloads: Map<string, SidecarPorts>;
  /** Every port above, with its owner and the flag that moves it. */
  claims: PortClaim[];
}

export function upLayout(base: number, gatewayPort: number, workloads: readonly WorkloadSpec[]): UpLayout {
  const last = base + FIRST_SLOT_OFFSET + SLOT_SIZE * (workloads.length + 1) - 1;
  if (last > 65535) throw new RangeError(`--base-port ${base} leaves no room: isthmus up needs ports ${base}–${last}; use a base of at most ${65535 - (last - base)}`);
  const baseFlag = `--base-port N (isthmus up uses N…N+${last - base})`;
  const slot = (i: number) => base + FIRST_SLOT_OFFSET + SLOT_SIZE * i;
  const claims: PortClaim[] = [];
  const claim = (port: number, owner: string, flag = baseFlag) => (claims.push({ port, owner, flag }), port);
  const proxyPorts = (at: number, who: string): ProxyPorts => ({
    admin: claim(at + 3, `${who} admin`),
    readiness: claim(at + 4, `${who} readiness`),
    stats: claim(at + 5, `${who} stats`),
  });
  const layout: UpLayout = {
    base,
    xds: claim(base, 'manager xDS'),
    ca: claim(base + MANAGER_CA_OFFSET, 'manager CA'),
    monitoring: claim(base + MANAGER_MONITORING_OFFSET, 'manager monitoring'),
    gateway: { listener: claim(gatewayPort, 'ingress gateway', '--gateway-port N'), ...proxyPorts(slot(0), 'ingress gateway') },
    workloads: new Map(),
    claims,
  };
  workloads.forEach((w, i) => {
    const at = slot(i + 1);
    const name = workloadName(w);
    layout.workloads.set(name, {
      app: claim(at, `${name} application`),
      inbound: claim(at + 1, `${name} sidecar inbound`),
      outbound: claim(at + 2, `${name} sidecar HTTP proxy`),
      ...proxyPorts(at, `${name} sidecar`),
    });
  });
  return layout;
}
