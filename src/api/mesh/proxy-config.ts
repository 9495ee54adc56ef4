// ProxyConfig: the settings every proxy starts with (MeshConfig.defaultConfig), named after Istio's
// istio.mesh.v1alpha1.ProxyConfig. Only the fields Isthmus acts on are accepted, so a setting we
// would silently ignore is reported instead.
import { z } from 'zod';
import { duration, int32, obj, oneOf, percentValue, port, uint32 } from '../fields/common.js';
import { hostPort } from './address.js';
import { privateKeyProvider } from './private-key-provider.js';

/** Span tags a proxy adds from a constant, its environment, or a request header. */
const customTag = oneOf(obj({
  literal: obj({ value: z.string() }).optional(),
  environment: obj({ name: z.string().min(1), defaultValue: z.string().optional() }).optional(),
  header: obj({ name: z.string().min(1), defaultValue: z.string().optional() }).optional(),
}), ['literal', 'environment', 'header'], { required: true });

export const OPEN_CENSUS_CONTEXTS = ['UNSPECIFIED', 'W3C_TRACE_CONTEXT', 'GRPC_BIN', 'CLOUD_TRACE_CONTEXT', 'B3'] as const;

export const TRACERS = ['zipkin', 'lightstep', 'datadog', 'openCensusAgent'] as const;

export const proxyTracing = oneOf(obj({
  zipkin: obj({ address: hostPort }).optional(),
  lightstep: obj({ address: hostPort, accessToken: z.string().optional() }).optional(),
  datadog: obj({ address: hostPort }).optional(),
  openCensusAgent: obj({ address: z.string().min(1), context: z.array(z.enum(OPEN_CENSUS_CONTEXTS)).optional() }).optional(),
  customTags: z.record(z.string(), customTag).optional(),
  /** Longest request path recorded in a span's http.url tag; 256 when unset. */
  maxPathTagLength: uint32.optional(),
  /** Percent (0–100) of requests traced when the client did not decide; 1 when unset. */
  sampling: percentValue.optional(),
}), TRACERS);

export const proxyConfig = obj({
  /** Worker processes; 0 means one per core. 2 when unset. */
  concurrency: int32.min(0, { message: 'concurrency must not be negative' }).optional(),
  /** How long listeners drain on a hot restart. 45s when unset. */
  drainDuration: duration({ minMs: 1 }).optional(),
  /** How long a stopping proxy keeps serving open connections. 5s when unset. */
  terminationDrainDuration: duration({ minMs: 1 }).optional(),
  /** The control plane's xDS address. "localhost:15012" when unset. */
  discoveryAddress: hostPort.optional(),
  /** Extra key/values sent to the control plane in the xDS node metadata. */
  proxyMetadata: z.record(z.string(), z.string()).optional(),
  /** Port of the health and merged-metrics endpoint. 15020 when unset. */
  statusPort: port.optional(),
  /** Port of the local admin endpoint (/config_dump, /stats). 15000 when unset. */
  proxyAdminPort: port.optional(),
  tracing: proxyTracing.optional(),
  /** Start the application only after the proxy is ready. false when unset. */
  holdApplicationUntilProxyStarts: z.boolean().optional(),
  /** Where TLS private keys live; `file` when unset. */
  privateKeyProvider: privateKeyProvider.optional(),
}).superRefine((pc, ctx) => {
  const status = pc.statusPort ?? PROXY_DEFAULTS.statusPort;
  const admin = pc.proxyAdminPort ?? PROXY_DEFAULTS.proxyAdminPort;
  if (status === admin) {
    ctx.addIssue({ code: 'custom', path: [pc.proxyAdminPort !== undefined ? 'proxyAdminPort' : 'statusPort'], message: `statusPort and proxyAdminPort are both ${status}`, params: { hint: 'give the status and admin endpoints different ports' } });
  }
});
export type ProxyConfig = z.infer<typeof proxyConfig>;

/** ProxyConfig defaults; documented field by field in docs/mesh-config.md. */
export const PROXY_DEFAULTS = {
  concurrency: 2,
  drainDuration: '45s',
  terminationDrainDuration: '5s',
  discoveryAddress: 'localhost:15012',
  statusPort: 15020,
  proxyAdminPort: 15000,
  holdApplicationUntilProxyStarts: false,
  tracingSampling: 1,
  tracingMaxPathTagLength: 256,
  zipkinAddress: 'localhost:9411',
  pkcs11Engine: 'pkcs11',
  pkcs11Mode: 'IN_PROCESS',
  acceleratorFallback: false,
} as const;
