// The `isthmus proxy` command lines the launcher uses, in one place: when the CA or Mixer
// lands, the flag that points proxies at it is one more line here.
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
  return args;
}

export interface GatewayArgs {
  xds: string;
  adminPort: number;
  readinessPort: number;
  statsPort: number;
}

/** Istio's default ingress gateway: selected by `istio: ingressgateway`, its listeners come from Gateways. */
export function ingressGatewayArgs(g: GatewayArgs): string[] {
  return [
    'proxy', '--type', 'gateway', '--xds', g.xds, '--service', 'istio-ingressgateway', '--namespace', 'istio-system',
    '--labels', 'istio=ingressgateway', '--service-account', 'istio-ingressgateway-service-account', '--outbound-port', '0',
    '--admin-port', String(g.adminPort), '--readiness-port', String(g.readinessPort), '--stats-port', String(g.statsPort),
    '--drain-duration', DRAIN,
  ];
}
