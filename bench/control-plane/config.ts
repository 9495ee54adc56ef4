// The benchmark mesh: 1000 ServiceEntries (one HTTP port, 5 STATIC endpoints each) in namespace
// `bench`, plus VirtualServices and DestinationRules for the first few so subsets and weighted
// routes exist, written the way `isthmus apply` lays files out (<dir>/<namespace>/<kind>-<name>.yaml).
// The endpoint addresses are data only: nothing ever dials them.
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { clusterName } from '../../src/control/translate/names.js';
import { writeAtomic } from '../../src/store/atomic-file.js';
import type { Probe } from './load-protocol.js';

export const NAMESPACE = 'bench';

export interface MeshShape {
  services: number;
  endpointsPerService: number;
  /** Services 0..routed-1 get a DestinationRule (subsets v1, v2) and an 80/20 VirtualService. */
  routed: number;
}

export const DEFAULT_SHAPE: MeshShape = { services: 1000, endpointsPerService: 5, routed: 10 };

export function serviceName(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

export function host(i: number): string {
  return `${serviceName(i)}.${NAMESPACE}.svc.cluster.local`;
}

/** Ten distinct ports, so sidecars get ten outbound listeners and route tables. */
export function servicePort(i: number): number {
  return 8000 + (i % 10);
}

export function endpointAddress(i: number, j: number): string {
  return `127.${10 + j}.${(i >> 8) & 255}.${i & 255}`;
}

function serviceEntry(i: number, shape: MeshShape, replace?: { index: number; address: string }): object {
  const endpoints = [];
  for (let j = 0; j < shape.endpointsPerService; j++) {
    const address = replace && replace.index === j ? replace.address : endpointAddress(i, j);
    endpoints.push({ address, labels: { app: serviceName(i), version: j < 3 ? 'v1' : 'v2' } });
  }
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: serviceName(i), namespace: NAMESPACE },
    spec: {
      hosts: [host(i)],
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      ports: [{ number: servicePort(i), name: 'http', protocol: 'HTTP' }],
      endpoints,
    },
  };
}

function destinationRule(i: number): object {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: serviceName(i), namespace: NAMESPACE },
    spec: {
      host: host(i),
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
    },
  };
}

function virtualService(i: number, v1Weight: number): object {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: serviceName(i), namespace: NAMESPACE },
    spec: {
      hosts: [host(i)],
      http: [{
        route: [
          { destination: { host: host(i), subset: 'v1' }, weight: v1Weight },
          { destination: { host: host(i), subset: 'v2' }, weight: 100 - v1Weight },
        ],
      }],
    },
  };
}

function filePath(dir: string, kind: string, i: number): string {
  return join(dir, NAMESPACE, `${kind.toLowerCase()}-${serviceName(i)}.yaml`);
}

/**
 * Writes a changed resource the way `isthmus apply` does: the store's own atomic write (a temp
 * file named `.<file>.<hex>.tmp`, fsync, rename). The control plane's store knows that temp-file
 * name, so it reads just the one changed file; a temp name it does not know (an editor's, say)
 * makes it rescan the whole directory, which is what this bench measured before it used this.
 */
async function writeAtomically(path: string, doc: object): Promise<void> {
  await writeAtomic(path, stringify(doc));
}

/** A fresh temp directory holding the whole mesh. */
export async function writeMesh(shape: MeshShape = DEFAULT_SHAPE): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-bench-cp-'));
  await mkdir(join(dir, NAMESPACE));
  for (let i = 0; i < shape.services; i++) {
    await writeFile(filePath(dir, 'ServiceEntry', i), stringify(serviceEntry(i, shape)));
    if (i < shape.routed) {
      await writeFile(filePath(dir, 'DestinationRule', i), stringify(destinationRule(i)));
      await writeFile(filePath(dir, 'VirtualService', i), stringify(virtualService(i, 80)));
    }
  }
  return dir;
}

/** One config change to measure: what to write, and how a client recognises the response carrying it. */
export interface ConfigChange {
  name: string;
  description: string;
  probe: Probe;
  write(dir: string): Promise<void>;
}

/** Moves one endpoint of one un-routed service to a new address (an EDS change). */
export function endpointChange(shape: MeshShape = DEFAULT_SHAPE): ConfigChange {
  const i = Math.floor(shape.services / 2);
  const address = `127.250.${(i >> 8) & 255}.${i & 255}`;
  const index = shape.endpointsPerService - 1;
  return {
    name: 'endpoint',
    description: `ServiceEntry ${serviceName(i)}: endpoint ${index} moves to ${address}`,
    probe: { kind: 'endpoint-address', cluster: clusterName('outbound', servicePort(i), '', host(i)), address },
    write: (dir) => writeAtomically(filePath(dir, 'ServiceEntry', i), serviceEntry(i, shape, { index, address })),
  };
}

/** The HTTP-proxy-mode listener's port the bench's clients ask for in that mode. */
export const BENCH_HTTP_PROXY_PORT = 15001;

/**
 * Shifts one VirtualService's weights from 80/20 to 30/70 (an RDS change). Clients in HTTP-proxy
 * mode get the changed `http_proxy` table in the same response as the per-port one and ACK them
 * together, so the per-port table is the probe for both kinds of client (hashing the thousand-
 * service `http_proxy` table per client would load the load process, not the control plane).
 */
export function routeWeightChange(shape: MeshShape = DEFAULT_SHAPE): ConfigChange {
  const i = Math.min(1, shape.routed - 1);
  const port = servicePort(i);
  return {
    name: 'route weights',
    description: `VirtualService ${serviceName(i)}: v1/v2 weights 80/20 → 30/70`,
    probe: {
      kind: 'route-weights',
      route: String(port),
      domain: host(i),
      weights: { [clusterName('outbound', port, 'v1', host(i))]: 30, [clusterName('outbound', port, 'v2', host(i))]: 70 },
    },
    write: (dir) => writeAtomically(filePath(dir, 'VirtualService', i), virtualService(i, 30)),
  };
}
