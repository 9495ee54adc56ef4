// Fills every MeshConfig default in one place, so the control plane, proxies and CLI read the
// same values and never restate a default. docs/mesh-config.md documents each one.
import type { MeshConfigSpec } from './mesh-config.js';
import { PROXY_DEFAULTS, type ProxyConfig } from './proxy-config.js';

type PrivateKeyProvider = NonNullable<ProxyConfig['privateKeyProvider']>;
type Accelerator = NonNullable<PrivateKeyProvider['cryptomb']>;
type Tracing = NonNullable<ProxyConfig['tracing']>;

export type ResolvedPrivateKeyProvider =
  | { kind: 'file' }
  | { kind: 'cryptomb' | 'qat'; pollDelay: string; fallback: boolean }
  | { kind: 'pkcs11'; privateKeyEngine: string; privateKeyIdentifier: string; mode: 'IN_PROCESS' | 'OUT_OF_PROCESS'; socket?: string };

export type ResolvedTracer =
  | { kind: 'zipkin'; address: string }
  | { kind: 'lightstep'; address: string; accessToken: string }
  | { kind: 'datadog'; address: string }
  | { kind: 'openCensusAgent'; address: string; context: string[] };

export interface ResolvedProxyConfig {
  concurrency: number;
  drainDuration: string;
  terminationDrainDuration: string;
  discoveryAddress: string;
  proxyMetadata: Record<string, string>;
  statusPort: number;
  proxyAdminPort: number;
  tracing: {
    tracer: ResolvedTracer;
    customTags: NonNullable<Tracing['customTags']>;
    maxPathTagLength: number;
    sampling: number;
  };
  holdApplicationUntilProxyStarts: boolean;
  /** A tagged union rather than Istio's oneof object, so consumers can `switch` on `kind`. */
  privateKeyProvider: ResolvedPrivateKeyProvider;
}

export interface ResolvedMeshConfig {
  trustDomain: string;
  trustDomainAliases: string[];
  rootNamespace: string;
  outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' | 'ALLOW_ANY' };
  /** 0: sidecars have no HTTP-proxy-mode listener unless their node metadata asks for one. */
  proxyHttpPort: number;
  enableAutoMtls: boolean;
  /** "" turns access logging off. */
  accessLogFile: string;
  accessLogEncoding: 'TEXT' | 'JSON';
  /** "" selects the built-in format. */
  accessLogFormat: string;
  enableTracing: boolean;
  defaultConfig: ResolvedProxyConfig;
  /** "" means proxies make no Check calls. */
  mixerCheckServer: string;
  /** "" means proxies send no Reports. */
  mixerReportServer: string;
  disablePolicyChecks: boolean;
  policyCheckFailOpen: boolean;
  /** MeshConfig pathNormalization.normalization; unset means BASE (Istio's default). */
  pathNormalization?: 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';
}

export const MESH_DEFAULTS = {
  trustDomain: 'cluster.local',
  rootNamespace: 'isthmus-system',
  outboundTrafficMode: 'ALLOW_ANY',
  proxyHttpPort: 0,
  enableAutoMtls: true,
  accessLogFile: '',
  accessLogEncoding: 'TEXT',
  accessLogFormat: '',
  enableTracing: true,
  mixerCheckServer: '',
  mixerReportServer: '',
  disablePolicyChecks: true,
  policyCheckFailOpen: false,
} as const;

export function resolveMeshConfig(spec: MeshConfigSpec = {}): ResolvedMeshConfig {
  return {
    trustDomain: spec.trustDomain ?? MESH_DEFAULTS.trustDomain,
    trustDomainAliases: [...(spec.trustDomainAliases ?? [])],
    rootNamespace: spec.rootNamespace ?? MESH_DEFAULTS.rootNamespace,
    outboundTrafficPolicy: { mode: spec.outboundTrafficPolicy?.mode ?? MESH_DEFAULTS.outboundTrafficMode },
    proxyHttpPort: spec.proxyHttpPort ?? MESH_DEFAULTS.proxyHttpPort,
    enableAutoMtls: spec.enableAutoMtls ?? MESH_DEFAULTS.enableAutoMtls,
    accessLogFile: spec.accessLogFile ?? MESH_DEFAULTS.accessLogFile,
    accessLogEncoding: spec.accessLogEncoding ?? MESH_DEFAULTS.accessLogEncoding,
    accessLogFormat: spec.accessLogFormat ?? MESH_DEFAULTS.accessLogFormat,
    enableTracing: spec.enableTracing ?? MESH_DEFAULTS.enableTracing,
    defaultConfig: resolveProxyConfig(spec.defaultConfig),
    mixerCheckServer: spec.mixerCheckServer ?? MESH_DEFAULTS.mixerCheckServer,
    mixerReportServer: spec.mixerReportServer ?? MESH_DEFAULTS.mixerReportServer,
    // Unset: checks are on exactly when a check server is named (naming one is asking for it).
    disablePolicyChecks: spec.disablePolicyChecks ?? ((spec.mixerCheckServer ?? '') === '' ? MESH_DEFAULTS.disablePolicyChecks : false),
    policyCheckFailOpen: spec.policyCheckFailOpen ?? MESH_DEFAULTS.policyCheckFailOpen,
    ...(spec.pathNormalization?.normalization ? { pathNormalization: spec.pathNormalization.normalization } : {}),
  };
}

export function resolveProxyConfig(pc: ProxyConfig = {}): ResolvedProxyConfig {
  const d = PROXY_DEFAULTS;
  return {
    concurrency: pc.concurrency ?? d.concurrency,
    drainDuration: pc.drainDuration ?? d.drainDuration,
    terminationDrainDuration: pc.terminationDrainDuration ?? d.terminationDrainDuration,
    discoveryAddress: pc.discoveryAddress ?? d.discoveryAddress,
    proxyMetadata: { ...(pc.proxyMetadata ?? {}) },
    statusPort: pc.statusPort ?? d.statusPort,
    proxyAdminPort: pc.proxyAdminPort ?? d.proxyAdminPort,
    tracing: {
      tracer: resolveTracer(pc.tracing),
      customTags: { ...(pc.tracing?.customTags ?? {}) },
      maxPathTagLength: pc.tracing?.maxPathTagLength ?? d.tracingMaxPathTagLength,
      sampling: pc.tracing?.sampling ?? d.tracingSampling,
    },
    holdApplicationUntilProxyStarts: pc.holdApplicationUntilProxyStarts ?? d.holdApplicationUntilProxyStarts,
    privateKeyProvider: resolvePrivateKeyProvider(pc.privateKeyProvider),
  };
}

function resolveTracer(t: Tracing | undefined): ResolvedTracer {
  if (t?.lightstep) return { kind: 'lightstep', address: t.lightstep.address, accessToken: t.lightstep.accessToken ?? '' };
  if (t?.datadog) return { kind: 'datadog', address: t.datadog.address };
  if (t?.openCensusAgent) return { kind: 'openCensusAgent', address: t.openCensusAgent.address, context: [...(t.openCensusAgent.context ?? [])] };
  return { kind: 'zipkin', address: t?.zipkin?.address ?? PROXY_DEFAULTS.zipkinAddress };
}

function resolvePrivateKeyProvider(p: PrivateKeyProvider | undefined): ResolvedPrivateKeyProvider {
  const accel = (kind: 'cryptomb' | 'qat', a: Accelerator) => ({ kind, pollDelay: a.pollDelay, fallback: a.fallback ?? PROXY_DEFAULTS.acceleratorFallback });
  if (p?.cryptomb) return accel('cryptomb', p.cryptomb);
  if (p?.qat) return accel('qat', p.qat);
  if (p?.pkcs11) {
    const k = p.pkcs11;
    return {
      kind: 'pkcs11',
      privateKeyEngine: k.privateKeyEngine ?? PROXY_DEFAULTS.pkcs11Engine,
      privateKeyIdentifier: k.privateKeyIdentifier,
      mode: k.mode ?? PROXY_DEFAULTS.pkcs11Mode,
      ...(k.socket !== undefined ? { socket: k.socket } : {}),
    };
  }
  return { kind: 'file' };
}
