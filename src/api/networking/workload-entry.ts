// WorkloadEntry (networking.istio.io): one non-Kubernetes workload (a VM, a bare-metal host).
// The same message is the shape of a ServiceEntry endpoint.
import { z } from 'zod';
import { labels, obj, port } from '../fields/common.js';
import { UNIX_PREFIX, isFqdn, isIpAddress, unixPathProblem } from './net-address.js';

const PORT_NAME = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

const portMap = z.record(z.string(), port).superRefine((ports, ctx) => {
  for (const name of Object.keys(ports)) {
    if (name.length >= 63 || !PORT_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a valid port name`, params: { hint: 'use the name of a service port: letters, digits and "-", under 63 characters' } });
    }
  }
});

/**
 * Address forms: an IP, a DNS name (only meaningful with DNS resolution) or `unix:///path`.
 * Which of these is allowed depends on the ServiceEntry that selects the workload, so only the
 * syntax is checked here.
 */
const address = z.string().max(256).superRefine((a, ctx) => {
  if (a.startsWith(UNIX_PREFIX)) {
    const problem = unixPathProblem(a.slice(UNIX_PREFIX.length));
    if (problem) ctx.addIssue({ code: 'custom', message: `"${a}": ${problem}`, params: { hint: 'e.g. unix:///var/run/app.sock or unix://@abstract' } });
  } else if (a !== '' && !isIpAddress(a) && !isFqdn(a)) {
    ctx.addIssue({ code: 'custom', message: `"${a}" is not an IP address, DNS name or unix:// socket`, params: { hint: 'addresses carry no port and no wildcard, e.g. "10.0.0.5" or "vm1.corp.example.com"' } });
  }
});

export const workloadEntrySpec = obj({
  address: address.optional(),
  ports: portMap.optional(),
  labels: labels.optional(),
  network: z.string().max(2048).optional(),
  locality: z.string().max(2048).optional(),
  weight: z.number().int().min(0).max(4294967295).optional(),
  serviceAccount: z.string().max(253).optional(),
}).superRefine((w, ctx) => {
  if (!w.address && !w.network) {
    ctx.addIssue({ code: 'custom', path: ['address'], message: 'address is required', params: { hint: 'set address, or network for a workload reached through a network gateway' } });
  }
  if (w.address?.startsWith(UNIX_PREFIX) && w.ports !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['ports'], message: 'a unix:// address cannot have ports', params: { hint: 'remove ports; a socket has no port' } });
  }
  if (w.locality !== undefined && w.locality !== '') {
    const parts = w.locality.split('/');
    if (parts.some((p) => p === '')) {
      ctx.addIssue({ code: 'custom', path: ['locality'], message: `locality "${w.locality}" has an empty part`, params: { hint: 'use region/zone/sub-zone, e.g. "us-east-1/us-east-1a"' } });
    }
  }
});
export type WorkloadEntrySpec = z.infer<typeof workloadEntrySpec>;
