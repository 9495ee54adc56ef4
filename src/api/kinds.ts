// The registry of resource kinds Isthmus reads: which apiVersions serve each kind and the
// schema of its spec. The single source of truth for config formats (DESIGN.md).
import type { z } from 'zod';
import { virtualServiceSpec } from './networking/virtual-service.js';
import { destinationRuleSpec } from './networking/destination-rule.js';
import { gatewaySpec } from './networking/gateway.js';
import { serviceEntrySpec } from './networking/service-entry.js';
import { workloadEntrySpec } from './networking/workload-entry.js';
import { sidecarSpec } from './networking/sidecar.js';
import { peerAuthenticationSpec } from './security/peer-authentication.js';
import { authorizationPolicySpec } from './security/authorization-policy.js';
import { requestAuthenticationSpec } from './security/request-authentication.js';
import { telemetrySpec } from './telemetry/telemetry.js';
import { meshConfigSpec } from './mesh/mesh-config.js';
import { handlerSpec, instanceSpec, ruleSpec } from './policy/index.js';
import { secretSpec } from './core/secret.js';

export interface KindInfo {
  kind: string;
  group: string;
  /** apiVersions served, newest first; all share one schema (as Istio's do). */
  versions: readonly string[];
  plural: string;
  shortNames: readonly string[];
  spec: z.ZodTypeAny;
  /** Kubernetes core kinds (group ''): their fields sit beside metadata, and `spec` validates them. */
  specAtTopLevel?: boolean;
}

const NETWORKING_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;
const SECURITY_VERSIONS = ['v1', 'v1beta1'] as const;

export const KINDS: readonly KindInfo[] = [
  { kind: 'VirtualService', group: 'networking.istio.io', versions: NETWORKING_VERSIONS, plural: 'virtualservices', shortNames: ['vs'], spec: virtualServiceSpec },
  { kind: 'DestinationRule', group: 'networking.istio.io', versions: NETWORKING_VERSIONS, plural: 'destinationrules', shortNames: ['dr'], spec: destinationRuleSpec },
  { kind: 'Gateway', group: 'networking.istio.io', versions: NETWORKING_VERSIONS, plural: 'gateways', shortNames: ['gw'], spec: gatewaySpec },
  { kind: 'ServiceEntry', group: 'networking.istio.io', versions: NETWORKING_VERSIONS, plural: 'serviceentries', shortNames: ['se'], spec: serviceEntrySpec },
  { kind: 'WorkloadEntry', group: 'networking.istio.io', versions: NETWORKING_VERSIONS, plural: 'workloadentries', shortNames: ['we'], spec: workloadEntrySpec },
  { kind: 'Sidecar', group: 'networking.istio.io', versions: NETWORKING_VERSIONS, plural: 'sidecars', shortNames: [], spec: sidecarSpec },
  { kind: 'PeerAuthentication', group: 'security.istio.io', versions: SECURITY_VERSIONS, plural: 'peerauthentications', shortNames: ['pa'], spec: peerAuthenticationSpec },
  { kind: 'AuthorizationPolicy', group: 'security.istio.io', versions: SECURITY_VERSIONS, plural: 'authorizationpolicies', shortNames: ['ap'], spec: authorizationPolicySpec },
  { kind: 'RequestAuthentication', group: 'security.istio.io', versions: SECURITY_VERSIONS, plural: 'requestauthentications', shortNames: ['ra'], spec: requestAuthenticationSpec },
  { kind: 'Telemetry', group: 'telemetry.istio.io', versions: ['v1', 'v1alpha1'], plural: 'telemetries', shortNames: ['telemetry'], spec: telemetrySpec },
  { kind: 'MeshConfig', group: 'config.isthmus.dev', versions: ['v1alpha1'], plural: 'meshconfigs', shortNames: ['mesh'], spec: meshConfigSpec },
  // Mixer's policy and telemetry config, with Istio's lowercase kind names (issue #6).
  { kind: 'handler', group: 'config.istio.io', versions: ['v1alpha2'], plural: 'handlers', shortNames: [], spec: handlerSpec },
  { kind: 'instance', group: 'config.istio.io', versions: ['v1alpha2'], plural: 'instances', shortNames: [], spec: instanceSpec },
  { kind: 'rule', group: 'config.istio.io', versions: ['v1alpha2'], plural: 'rules', shortNames: [], spec: ruleSpec },
  // Gateway credentials (tls.credentialName), Kubernetes' own kind: apiVersion `v1`.
  { kind: 'Secret', group: '', versions: ['v1'], plural: 'secrets', shortNames: [], spec: secretSpec, specAtTopLevel: true },
];

/** `group/version`, or just the version for the core group (`v1`). */
function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

const BY_API = new Map<string, KindInfo>();
for (const k of KINDS) for (const v of k.versions) BY_API.set(`${apiVersionOf(k.group, v)}|${k.kind}`, k);

export function kindFor(apiVersion: string, kind: string): KindInfo | undefined {
  return BY_API.get(`${apiVersion}|${kind}`);
}

/** Finds a kind by what a user types on the command line: `VirtualService`, `virtualservices`, `vs`. */
export function kindByName(name: string): KindInfo | undefined {
  const n = name.toLowerCase();
  return KINDS.find((k) => k.kind.toLowerCase() === n || k.plural === n || k.shortNames.includes(n) || (k.group !== '' && `${k.plural}.${k.group}` === n));
}

export function apiVersionsOf(kind: string): string[] {
  const k = KINDS.find((x) => x.kind === kind);
  return k ? k.versions.map((v) => apiVersionOf(k.group, v)) : [];
}
