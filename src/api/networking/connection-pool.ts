// ConnectionPoolSettings: per-host limits on connections and requests (Envoy circuit breakers).
// Sidecar reuses it for inbound limits, so it stands alone.
import { z } from 'zod';
import { obj, uint32 } from '../fields/common.js';
import { policyDuration } from './durations.js';

// int32 in the proto, but Istio rejects negative values for every limit.
const limit = z.number().int().min(0).max(2147483647);

const tcpKeepalive = obj({
  probes: uint32.optional(),
  time: policyDuration().optional(),
  interval: policyDuration().optional(),
});

const tcpSettings = obj({
  maxConnections: limit.optional(),
  connectTimeout: policyDuration().optional(),
  tcpKeepalive: tcpKeepalive.optional(),
  maxConnectionDuration: policyDuration().optional(),
  // "0s" turns the idle timeout off.
  idleTimeout: policyDuration({ allowZero: true }).optional(),
});

export const H2_UPGRADE_POLICIES = ['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'] as const;

const httpSettings = obj({
  http1MaxPendingRequests: limit.optional(),
  http2MaxRequests: limit.optional(),
  maxRequestsPerConnection: limit.optional(),
  maxRetries: limit.optional(),
  idleTimeout: policyDuration().optional(),
  h2UpgradePolicy: z.enum(H2_UPGRADE_POLICIES).optional(),
  useClientProtocol: z.boolean().optional(),
  maxConcurrentStreams: limit.optional(),
}).superRefine((h, ctx) => {
  if (h.h2UpgradePolicy === 'UPGRADE' && h.useClientProtocol === true) {
    ctx.addIssue({ code: 'custom', path: ['useClientProtocol'], message: 'useClientProtocol cannot be true when h2UpgradePolicy is UPGRADE', params: { hint: 'preserving the client protocol and upgrading to HTTP/2 contradict each other; drop one' } });
  }
});

export const connectionPoolSettings = obj({
  tcp: tcpSettings.optional(),
  http: httpSettings.optional(),
}).superRefine((c, ctx) => {
  if (c.tcp === undefined && c.http === undefined) {
    ctx.addIssue({ code: 'custom', message: 'connection pool must have at least one field', params: { hint: 'set tcp, http or both, or remove connectionPool' } });
  }
});
export type ConnectionPoolSettings = z.infer<typeof connectionPoolSettings>;
