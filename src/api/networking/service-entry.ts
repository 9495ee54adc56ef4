// ServiceEntry (networking.istio.io): adds a service to the mesh's registry — an external API,
// or mesh workloads no platform registry knows about (VMs, see WorkloadEntry).
import { z } from 'zod';
import { hostName, obj, port } from '../fields/common.js';
import { exportTo } from './export-to.js';
import { UNIX_PREFIX, isCidr, isFqdn, isIpAddress } from './net-address.js';
import { PROTOCOL_HINT, isHttpProtocol, isTlsProtocol, parseProtocol } from './protocol.js';
import { networkingWorkloadSelector } from './workload-selector.js';
import { workloadEntrySpec } from './workload-entry.js';

export const SE_LOCATIONS = ['MESH_EXTERNAL', 'MESH_INTERNAL'] as const;
export const SE_RESOLUTIONS = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'] as const;

export const servicePort = obj({
  number: port,
  protocol: z.string().max(256).optional(),
  name: z.string().max(256).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'is not a valid port name: use lowercase letters, digits and "-"' }),
  targetPort: port.optional(),
}).superRefine((p, ctx) => {
  if (p.protocol && !parseProtocol(p.protocol)) {
    ctx.addIssue({ code: 'custom', path: ['protocol'], message: `unsupported protocol "${p.protocol}"`, params: { hint: PROTOCOL_HINT } });
  }
});
export type ServicePort = z.infer<typeof servicePort>;

const address = z.string().max(64).superRefine((a, ctx) => {
  if (!isIpAddress(a) && !isCidr(a)) {
    ctx.addIssue({ code: 'custom', message: `"${a}" is not an IP address or CIDR block`, params: { hint: 'e.g. "240.0.0.1" or "192.192.192.0/24"; host names go in hosts' } });
  }
});

// Istio's CRD refuses the full wildcard; a service must name something.
const seHost = hostName.superRefine((h, ctx) => {
  if (h === '*') ctx.addIssue({ code: 'custom', message: 'a ServiceEntry host cannot be "*"', params: { hint: 'use a DNS name or a wildcard such as "*.example.com"' } });
});

export const serviceEntrySpec = obj({
  hosts: z.array(seHost).min(1).max(256),
  addresses: z.array(address).max(256).optional(),
  ports: z.array(servicePort).max(256).optional(),
  location: z.enum(SE_LOCATIONS).optional(),
  resolution: z.enum(SE_RESOLUTIONS).optional(),
  endpoints: z.array(workloadEntrySpec).max(4096).optional(),
  workloadSelector: networkingWorkloadSelector.optional(),
  exportTo: exportTo({ allowNone: true }).optional(),
  subjectAltNames: z.array(z.string()).optional(),
}).superRefine(checkServiceEntry);
export type ServiceEntrySpec = z.infer<typeof serviceEntrySpec>;

type Ctx = z.core.$RefinementCtx;

function issue(ctx: Ctx, path: (string | number)[], message: string, hint: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: { hint } });
}

function checkServiceEntry(se: ServiceEntrySpec, ctx: Ctx): void {
  const resolution = se.resolution ?? 'NONE';
  const endpoints = se.endpoints ?? [];
  const ports = se.ports ?? [];

  if (se.endpoints !== undefined && se.workloadSelector !== undefined) {
    issue(ctx, ['workloadSelector'], 'only one of workloadSelector or endpoints can be set', 'list endpoints inline, or select WorkloadEntries/pods by label, not both');
  }
  checkPorts(ports, ctx);

  (se.addresses ?? []).forEach((a, i) => {
    if (a.includes('/') && resolution !== 'NONE' && resolution !== 'STATIC') {
      issue(ctx, ['addresses', i], `CIDR address "${a}" needs resolution NONE or STATIC`, `a ${resolution} service cannot own a whole address block; use a single IP or change resolution`);
    }
  });

  const portNames = new Set(ports.map((p) => p.name));
  endpoints.forEach((ep, i) => {
    for (const name of Object.keys(ep.ports ?? {})) {
      if (!portNames.has(name)) {
        issue(ctx, ['endpoints', i, 'ports', name], `endpoint port "${name}" is not a port of this ServiceEntry`, `use one of the names in ports: ${[...portNames].join(', ') || '(none defined)'}`);
      }
    }
  });

  switch (resolution) {
    case 'NONE':
      if (se.endpoints !== undefined) issue(ctx, ['endpoints'], 'resolution NONE cannot have endpoints', 'traffic goes to the address the client asked for; remove endpoints or use STATIC/DNS');
      break;
    case 'STATIC':
      checkStatic(se, endpoints, ports.length, ctx);
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      checkDns(se, endpoints, resolution, ctx);
      break;
    case 'DYNAMIC_DNS':
      se.hosts.forEach((h, i) => {
        if (!h.startsWith('*')) issue(ctx, ['hosts', i], `DYNAMIC_DNS needs wildcard hosts, "${h}" is not one`, 'use a host such as "*.example.com", or resolution DNS for a fixed name');
      });
      if ((se.location ?? 'MESH_EXTERNAL') !== 'MESH_EXTERNAL') issue(ctx, ['location'], 'DYNAMIC_DNS is only supported for MESH_EXTERNAL services', 'set location: MESH_EXTERNAL');
      break;
  }

  // Plain TCP carries no host name, so a proxy could not tell several hosts on one port apart.
  if (resolution !== 'NONE' && se.hosts.length > 1) {
    const opaque = ports.findIndex((p) => !isHttpProtocol(p.protocol ?? '') && !isTlsProtocol(p.protocol ?? ''));
    if (opaque >= 0) issue(ctx, ['ports', opaque, 'protocol'], 'several hosts cannot share a non-HTTP, non-TLS port', 'use HTTP/HTTPS/TLS ports, one host per ServiceEntry, or resolution NONE');
  }
}

function checkPorts(ports: readonly { name: string; number: number }[], ctx: Ctx): void {
  const names = new Map<string, number>();
  const numbers = new Map<number, number>();
  ports.forEach((p, i) => {
    if (names.has(p.name)) issue(ctx, ['ports', i, 'name'], `port name "${p.name}" is already used by ports[${names.get(p.name)}]`, 'port names must be unique');
    else names.set(p.name, i);
    if (numbers.has(p.number)) issue(ctx, ['ports', i, 'number'], `port ${p.number} is already defined by ports[${numbers.get(p.number)}]`, 'port numbers must be unique');
    else numbers.set(p.number, i);
  });
}

function checkStatic(se: ServiceEntrySpec, endpoints: ServiceEntrySpec['endpoints'] & object, portCount: number, ctx: Ctx): void {
  if (se.endpoints === undefined && se.workloadSelector === undefined) {
    issue(ctx, ['resolution'], 'resolution STATIC needs endpoints or a workloadSelector', 'list the endpoint IPs under endpoints, or select workloads with workloadSelector');
  }
  let unix = false;
  endpoints.forEach((ep, i) => {
    const a = ep.address ?? '';
    if (a.startsWith(UNIX_PREFIX)) unix = true;
    else if (a !== '' && !isIpAddress(a)) issue(ctx, ['endpoints', i, 'address'], `STATIC endpoint address "${a}" is not an IP address`, 'use an IP or unix:// socket, or resolution DNS for host names');
  });
  if (unix && portCount !== 1) issue(ctx, ['ports'], 'unix:// endpoints need exactly one service port', 'define a single port');
}

function checkDns(se: ServiceEntrySpec, endpoints: ServiceEntrySpec['endpoints'] & object, resolution: string, ctx: Ctx): void {
  if (endpoints.length === 0) {
    // Without endpoints the hosts themselves are resolved, so they must be real names.
    se.hosts.forEach((h, i) => {
      if (!isFqdn(h)) issue(ctx, ['hosts', i], `"${h}" cannot be resolved by DNS`, `with resolution ${resolution} and no endpoints, hosts must be plain DNS names without wildcards`);
    });
  }
  if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) {
    issue(ctx, ['endpoints', 1], 'DNS_ROUND_ROBIN cannot have more than one endpoint', 'keep one endpoint, or use resolution DNS');
  }
  endpoints.forEach((ep, i) => {
    const a = ep.address ?? '';
    // Other malformed addresses are already reported by the WorkloadEntry schema.
    if (a.startsWith(UNIX_PREFIX)) issue(ctx, ['endpoints', i, 'address'], 'DNS resolution cannot use unix:// endpoints', 'use resolution STATIC for unix domain sockets');
  });
}
