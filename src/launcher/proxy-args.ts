// The `isthmus proxy` command lines the launcher uses, in one place: when a part of the mesh
// lands (the CA, Mixer), the flag that points proxies at it is one more line here.
import type { ProxyIdentityFlags } from './mesh-ca.js';

export interface SidecarArgs {
  xds: string;
  service: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount?: string;
  /** Omitted for a job that serves nothing: the sidecar then registers no workload. */
  appPort?: number;
  inboundPort: number;
  outboundPort: number;
  adminPort: number;
  readinessPort: number;
  statsPort: number;
  /** A workload identity from the mesh CA (the bootstrap token goes in the environment). */
  identity?: ProxyIdentityFlags;
}

/** Drain briefly: on a laptop nobody waits for long-lived connections to move elsewhere. */
const DRAIN = '1s';

export function sidecarArgs(s: SidecarArgs): string[] {
  const args = [
    'proxy', '--xds', s.xds, '--service', s.service, '--namespace', s.namespace,
    '--inbound-port', String(s.inboundPort), '--outbound-port', String(s.outboundPort),
    '--admin-port', String(s.adminPort), '--readiness-port', String(s.readinessPort), '--stats-port', String(s.statsPort),
    '--drain-duration', DRAIN,
  ];
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',');
  if (labels) args.push('--labels', labels);
  if (s.serviceAccount) args.push('--service-account', s.serviceAccount);
  if (s.appPort !== undefined) args.push('--app-port', String(s.appPort));
  return [...args, ...identityArgs(s.identity)];
}

function identityArgs(id: ProxyIdentityFlags | undefined): string[] {
  if (!id) return [];
  return ['--ca-address', id.caAddress, '--ca-root', id.caRoot, ...(id.tokenFile ? ['--token-file', id.tokenFile] : [])];
}

export interface GatewayArgs {
  xds: string;
  adminPort: number;
  readinessPort: number;
  statsPort: number;
  identity?: ProxyIdentityFlags;
}

/** Where Istio installs its ingress gateway, and the service account it runs as. */
export const GATEWAY_NAMESPACE = 'istio-system';
export const GATEWAY_SERVICE_ACCOUNT = 'istio-ingressgateway-service-account';

/** Istio's default ingress gateway: selected by `istio: ingressgateway`, its listeners come from Gateways. */
export function ingressGatewayArgs(g: GatewayArgs): string[] {
  return [
    'proxy', '--type', 'gateway', '--xds', g.xds, '--service', 'istio-ingressgateway', '--namespace', GATEWAY_NAMESPACE,
    '--labels', 'istio=ingressgateway', '--service-account', GATEWAY_SERVICE_ACCOUNT, '--outbound-port', '0',
    '--admin-port', String(g.adminPort), '--readiness-port', String(g.readinessPort), '--stats-port', String(g.statsPort),
    '--drain-duration', DRAIN,
    ...identityArgs(g.identity),
  ];
}
