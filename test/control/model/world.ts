// Test helper: a mesh described in Istio YAML → a PushContext, plus proxies of each kind.
import { loadText } from '../../../src/api/load.js';
import type { Resource } from '../../../src/api/resource.js';
import { resolveMeshConfig } from '../../../src/api/mesh/resolve.js';
import type { MeshConfigSpec } from '../../../src/api/mesh/mesh-config.js';
import { buildPushContext, type PushContext } from '../../../src/control/model/push-context.js';
import type { ProxyNode } from '../../../src/control/model/proxy.js';
import { buildRegistrySnapshot } from '../../../src/registry/snapshot.js';
import { workloadFromProxy } from '../../../src/registry/workloads.js';
import type { WorkloadInstance } from '../../../src/registry/types.js';

export function resources(yaml: string): Resource[] {
  const { resources: loaded, errors } = loadText(yaml, 'test.yaml');
  if (errors.length) throw new Error(`test YAML is invalid: ${errors.map((e) => e.message).join('; ')}`);
  return loaded.map((l) => l.resource);
}

export interface WorldOptions {
  registered?: ProxyNode[];
  mesh?: MeshConfigSpec;
}

export function world(yaml: string, opts: WorldOptions = {}): PushContext {
  const res = resources(yaml);
  const registered = (opts.registered ?? []).map((p) => workloadFromProxy(p)).filter((w): w is WorkloadInstance => w !== undefined);
  const registry = buildRegistrySnapshot({ resources: res, registered });
  return buildPushContext({ resources: res, registry, mesh: resolveMeshConfig(opts.mesh ?? {}) });
}

export function proxy(type: ProxyNode['type'], namespace = 'default', labels: Record<string, string> = {}, extra: Partial<ProxyNode> = {}): ProxyNode {
  return { id: `${type}~10.0.0.1~p.${namespace}~${namespace}.svc.cluster.local`, type, namespace, labels, ips: ['10.0.0.1'], metadata: {}, ...extra };
}

/** A ServiceEntry for an in-mesh HTTP service with one endpoint per version label. */
export function service(name: string, ns = 'default', port = 9080, versions: string[] = ['v1'], portName = 'http'): string {
  const eps = versions.map((v, i) => `    - address: 10.1.${ns.length}.${i + 1}\n      labels: {app: ${name}, version: ${v}}`).join('\n');
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${name}.${ns}.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
    - {number: ${port}, name: ${portName}, protocol: ${portName.split('-')[0]?.toUpperCase()}}
  endpoints:
${eps}
---
`;
}
