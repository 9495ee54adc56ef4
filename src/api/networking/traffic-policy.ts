// TrafficPolicy: the per-destination client settings a DestinationRule (or one of its subsets)
// applies: load balancing, connection pool, outlier detection, TLS, per-port overrides.
import { z } from 'zod';
import { obj, port } from '../fields/common.js';
import { clientTlsSettings } from './client-tls.js';
import { connectionPoolSettings } from './connection-pool.js';
import { loadBalancerSettings } from './load-balancer.js';
import { isFqdn, isIpAddress } from './net-address.js';
import { outlierDetection } from './outlier-detection.js';

// The four policies a port can override; tunnel and proxyProtocol are destination-wide only.
const policyFields = {
  loadBalancer: loadBalancerSettings.optional(),
  connectionPool: connectionPoolSettings.optional(),
  outlierDetection: outlierDetection.optional(),
  tls: clientTlsSettings.optional(),
};
const POLICY_KEYS = Object.keys(policyFields);

const portTrafficPolicy = obj({ port: obj({ number: port }), ...policyFields }).superRefine((p, ctx) => {
  if (POLICY_KEYS.every((k) => p[k as keyof typeof p] === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'port traffic policy must have at least one field', params: { hint: `set one of ${POLICY_KEYS.join(', ')} for this port` } });
  }
});

const tunnelSettings = obj({
  protocol: z.enum(['CONNECT', 'POST']).optional(),
  targetHost: z.string().superRefine((h, ctx) => {
    if (!isFqdn(h) && !isIpAddress(h)) {
      ctx.addIssue({ code: 'custom', message: `tunnel target "${h}" is neither an FQDN nor an IP address`, params: { hint: 'e.g. "proxy.example.com" or "10.0.0.1"' } });
    }
  }),
  targetPort: port,
});

const proxyProtocol = obj({ version: z.enum(['V1', 'V2']).optional() });

const TOP_KEYS = [...POLICY_KEYS, 'portLevelSettings', 'tunnel', 'proxyProtocol'];

export const trafficPolicy = obj({
  ...policyFields,
  portLevelSettings: z.array(portTrafficPolicy).max(4096).optional(),
  tunnel: tunnelSettings.optional(),
  proxyProtocol: proxyProtocol.optional(),
}).superRefine((t, ctx) => {
  if (TOP_KEYS.every((k) => t[k as keyof typeof t] === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'traffic policy must have at least one field', params: { hint: `set one of ${TOP_KEYS.join(', ')}, or remove trafficPolicy` } });
  }
  if (t.tunnel !== undefined && t.proxyProtocol !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['proxyProtocol'], message: 'tunnel and proxyProtocol cannot be set together', params: { hint: 'keep one of tunnel or proxyProtocol' } });
  }
});
export type TrafficPolicy = z.infer<typeof trafficPolicy>;
export type PortTrafficPolicy = z.infer<typeof portTrafficPolicy>;
