// Istio resources for the traffic-policy end-to-end tests, written as objects and turned into
// YAML: DestinationRules and VirtualServices with nested policies read better that way than as
// hand-indented strings, and ServiceEntry endpoints here can carry a locality.
import { stringify } from 'yaml';

export const HTTP_8080 = { number: 8080, name: 'http', protocol: 'HTTP' } as const;

/** One Istio networking resource in the default namespace, as YAML. */
export function resource(kind: 'ServiceEntry' | 'DestinationRule' | 'VirtualService', name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace: 'default' }, spec });
}

export interface LoopbackEndpoint {
  /** The backend's real port (the service port maps to it by name). */
  port: number;
  labels?: Record<string, string>;
  /** `region/zone[/subzone]`. */
  locality?: string;
}

/** A STATIC, MESH_INTERNAL ServiceEntry on port 8080 whose endpoints are 127.0.0.1 backends. */
export function loopbackServiceEntry(name: string, host: string, endpoints: LoopbackEndpoint[]): string {
  return resource('ServiceEntry', name, {
    hosts: [host],
    location: 'MESH_INTERNAL',
    resolution: 'STATIC',
    ports: [HTTP_8080],
    endpoints: endpoints.map((e) => ({
      address: '127.0.0.1',
      ports: { [HTTP_8080.name]: e.port },
      ...(e.labels ? { labels: e.labels } : {}),
      ...(e.locality ? { locality: e.locality } : {}),
    })),
  });
}

/** A DestinationRule whose whole-service traffic policy is `trafficPolicy`. */
export function destinationRule(name: string, host: string, trafficPolicy: Record<string, unknown>, subsets?: Record<string, unknown>[]): string {
  return resource('DestinationRule', name, { host, trafficPolicy, ...(subsets ? { subsets } : {}) });
}
