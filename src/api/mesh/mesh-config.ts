// Isthmus's MeshConfig kind (config.isthmus.dev/v1alpha1): mesh-wide settings, named after Istio's
// istio.mesh.v1alpha1.MeshConfig, plus the Mixer settings Istio's MeshConfig had before 1.5.
// The schema keeps what the user wrote; resolveMeshConfig() fills the defaults.
import { z } from 'zod';
import { dns1123Label, obj } from '../fields/common.js';
import { hostPortOrEmpty } from './address.js';
import { proxyConfig } from './proxy-config.js';

export const OUTBOUND_TRAFFIC_MODES = ['REGISTRY_ONLY', 'ALLOW_ANY'] as const;
export const ACCESS_LOG_ENCODINGS = ['TEXT', 'JSON'] as const;
/** Istio's MeshConfig.ProxyPathNormalization.NormalizationType: how request paths are normalized before authorization and routing. */
export const PATH_NORMALIZATIONS = ['NONE', 'BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES'] as const;

/** A SPIFFE trust domain: lowercase letters, digits, ".", "-" and "_". */
const trustDomain = z.string().regex(/^[a-z0-9._-]+$/, {
  message: 'is not a SPIFFE trust domain: use lowercase letters, digits, ".", "-" and "_" (e.g. "cluster.local")',
});

export const meshConfigSpec = obj({
  trustDomain: trustDomain.optional(),
  /** Other trust domains whose identities are treated as this one's (for migrations). */
  trustDomainAliases: z.array(trustDomain).optional(),
  /** Config here applies to every namespace (mesh-wide PeerAuthentication, Telemetry, …). */
  rootNamespace: dns1123Label.optional(),
  outboundTrafficPolicy: obj({ mode: z.enum(OUTBOUND_TRAFFIC_MODES).optional() }).optional(),
  /** Port of every sidecar's HTTP-proxy-mode listener on 127.0.0.1; 0 (the default) means none. */
  proxyHttpPort: z.number().int().min(0).max(65535).optional(),
  enableAutoMtls: z.boolean().optional(),
  accessLogFile: z.string().optional(),
  accessLogEncoding: z.enum(ACCESS_LOG_ENCODINGS).optional(),
  accessLogFormat: z.string().optional(),
  enableTracing: z.boolean().optional(),
  defaultConfig: proxyConfig.optional(),
  mixerCheckServer: hostPortOrEmpty.optional(),
  mixerReportServer: hostPortOrEmpty.optional(),
  disablePolicyChecks: z.boolean().optional(),
  policyCheckFailOpen: z.boolean().optional(),
  pathNormalization: obj({ normalization: z.enum(PATH_NORMALIZATIONS).optional() }).optional(),
}).superRefine((spec, ctx) => {
  if (spec.disablePolicyChecks === false && (spec.mixerCheckServer ?? '') === '') {
    ctx.addIssue({ code: 'custom', path: ['disablePolicyChecks'], message: 'policy checks are enabled but mixerCheckServer is not set', params: { hint: 'set mixerCheckServer to the Mixer address (host:port), or leave disablePolicyChecks true' } });
  }
});
export type MeshConfigSpec = z.infer<typeof meshConfigSpec>;
export type { ProxyConfig } from './proxy-config.js';

export { resolveMeshConfig, MESH_DEFAULTS, type ResolvedMeshConfig, type ResolvedProxyConfig } from './resolve.js';
