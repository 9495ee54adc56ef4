// MeshConfig mixerCheckServer / mixerReportServer → the Mixer HTTP filter on a sidecar's inbound
// HCMs (Istio put its mixer filter on the server side so each workload checks its own callers).
// The filter's config has no Envoy proto, so it travels as xds.type.v3.TypedStruct; the proxy
// unwraps it by the inner type URL. The workload's own facts (destination.*) come from the
// proxy's node, and every `quota` instance in the store is asked for with charge 1 (Istio's
// QuotaSpec kinds are not modelled: this is what the usual `request-count` spec did).
// Inbound TCP chains get the Mixer TCP filter (TcpClientConfig) before tcp_proxy: one Check per
// connection, Reports at open, every report_interval (the proxy's default, Istio's 10 s) and close;
// no quota is asked per connection (Istio's connection_quota_spec was left unset too).
import type { ResolvedMeshConfig } from '../../api/mesh/mesh-config.js';
import type { Resource } from '../../api/index.js';
import type { TranslateContext } from './context.js';
import type { InboundPort } from './listener-sidecar.js';
import { any } from './proto.js';
import { structProto } from '../xds/protos.js';
import type { JsonValue } from '../xds/struct.js';

type Fields = Record<string, unknown>;
type Json = string | number | boolean | Record<string, string>;

export const MIXER_FILTER = 'isthmus.mixer';
export const MIXER_CONFIG_TYPE = 'type.googleapis.com/isthmus.mixer.v1.HttpClientConfig';
export const MIXER_TCP_CONFIG_TYPE = 'type.googleapis.com/isthmus.mixer.v1.TcpClientConfig';
export const TYPED_STRUCT_TYPE = 'type.googleapis.com/xds.type.v3.TypedStruct';

/** Checks happen when a check server is set and policy checks are not disabled. */
export function mixerChecks(mesh: ResolvedMeshConfig): boolean {
  return mesh.mixerCheckServer !== '' && !mesh.disablePolicyChecks;
}

/** Names of the quota instances in the store (Mixer's config shares the manager's store). */
export function quotaInstances(resources: readonly Resource[]): string[] {
  const names = new Set<string>();
  for (const r of resources) {
    if (r.kind !== 'instance') continue;
    const spec = r.spec as { compiledTemplate?: string; template?: string };
    if ((spec.compiledTemplate ?? spec.template) === 'quota') names.add(r.metadata.name);
  }
  return [...names].sort();
}

/** The destination.* attributes of the workload behind this inbound port. */
export function workloadAttributes(ctx: TranslateContext, p: InboundPort): Record<string, Json> {
  const proxy = ctx.proxy;
  const md = proxy.metadata;
  const ns = proxy.namespace;
  const out: Record<string, Json> = {
    'destination.service.host': p.service.hostname,
    'destination.service.name': p.service.hostname.split('.')[0]!,
    'destination.service.namespace': p.service.namespace,
    'destination.namespace': ns,
    'destination.port': p.port,
    'destination.labels': { ...proxy.labels },
  };
  const name = typeof md.NAME === 'string' ? md.NAME : undefined;
  const workload = typeof md.WORKLOAD_NAME === 'string' ? md.WORKLOAD_NAME : proxy.registration?.service;
  if (name) {
    out['destination.name'] = name;
    out['destination.uid'] = `kubernetes://${name}.${ns}`;
  }
  if (workload) {
    out['destination.workload.name'] = workload;
    out['destination.workload.namespace'] = ns;
  }
  if (proxy.serviceAccount) out['destination.principal'] = `${ctx.push.mesh.trustDomain}/ns/${ns}/sa/${proxy.serviceAccount}`;
  return out;
}

/** The settings both Mixer filters share: where Mixer is, fail policy, the workload's attributes; undefined when the mesh names no Mixer. */
function mixerClientConfig(ctx: TranslateContext, p: InboundPort): Record<string, JsonValue> | undefined {
  const mesh = ctx.push.mesh;
  const checks = mixerChecks(mesh);
  if (ctx.kind !== 'sidecar' || (!checks && mesh.mixerReportServer === '')) return undefined;
  return {
    transport: {
      check_server: checks ? mesh.mixerCheckServer : '',
      report_server: mesh.mixerReportServer,
      network_fail_policy: { policy: mesh.policyCheckFailOpen ? 'FAIL_OPEN' : 'FAIL_CLOSE' },
    },
    mixer_attributes: { attributes: workloadAttributes(ctx, p) },
    disable_check_calls: !checks,
    disable_report_calls: mesh.mixerReportServer === '',
  };
}

function typedStruct(typeUrl: string, value: Record<string, JsonValue>): Fields {
  return { name: MIXER_FILTER, typed_config: any(TYPED_STRUCT_TYPE, { type_url: typeUrl, value: structProto(value) }) };
}

/** The Mixer filter for an inbound HCM, or nothing when the mesh names no Mixer. */
export function mixerHcmOptions(ctx: TranslateContext, p: InboundPort): { mixer?: Fields } {
  const shared = mixerClientConfig(ctx, p);
  if (!shared) return {};
  const checks = mixerChecks(ctx.push.mesh);
  const value = { ...shared, quota_specs: checks ? quotaInstances(ctx.push.resources).map((quota) => ({ quota, charge: 1 })) : [] };
  return { mixer: typedStruct(MIXER_CONFIG_TYPE, value) };
}

/** The Mixer TCP filter for an inbound tcp_proxy chain, to go before tcp_proxy; none when the mesh names no Mixer. */
export function mixerTcpFilters(ctx: TranslateContext, p: InboundPort): Fields[] {
  const shared = mixerClientConfig(ctx, p);
  return shared ? [typedStruct(MIXER_TCP_CONFIG_TYPE, shared)] : [];
}

/** Puts the Mixer filter after authentication and authorization, before everything else (DESIGN: authn ► authz ► mixer). */
export function withMixerFilter(chain: readonly Fields[], mixer: Fields): Fields[] {
  const AFTER = new Set(['envoy.filters.http.jwt_authn', 'envoy.filters.http.rbac']);
  let at = 0;
  chain.forEach((f, i) => {
    if (AFTER.has(String(f.name))) at = i + 1;
  });
  return [...chain.slice(0, at), mixer, ...chain.slice(at)];
}
